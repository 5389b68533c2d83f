/* exitcode.h - the exit codes of infraexec, the contract with shells and
 * orchestrators (docs/infraexec.1).  Every layer that decides one (the
 * command line, the run, the watchdog) names it from here. */
#ifndef INFRAEXEC_EXITCODE_H
#define INFRAEXEC_EXITCODE_H

enum {
    IX_EXIT_OK = 0,            /* success; for run: every criterion checked */
    IX_EXIT_REMAIN = 1,        /* run finished and some criteria remain */
    IX_EXIT_BAD = 2,           /* bad invocation or input; nothing changed */
    IX_EXIT_WRITE = 3,         /* done, but stdout or the --report file could not be written */
    IX_EXIT_TIMEOUT = 124,     /* a handler stuck in one C call outlived --task-timeout:
                                  the watchdog ended the run, no report */
    IX_EXIT_INTERRUPTED = 130, /* stopped by SIGINT/SIGTERM */
};

#endif
