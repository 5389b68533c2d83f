/* cli.h - the command line: argument parsing, dispatch and exit codes.
 *
 * main() only calls ix_cli_main; every command returns one of the exit
 * codes below, which are the contract with shells and orchestrators. */
#ifndef INFRAEXEC_CLI_H
#define INFRAEXEC_CLI_H

#define IX_VERSION "0.1.0"

enum {
    IX_EXIT_OK = 0,            /* success; for run: every criterion checked */
    IX_EXIT_REMAIN = 1,        /* run finished and some criteria remain */
    IX_EXIT_BAD = 2,           /* bad invocation or input; nothing changed */
    IX_EXIT_WRITE = 3,         /* done, but stdout or the --report file could not be written */
    IX_EXIT_TIMEOUT = 124,     /* a handler stuck in one C call outlived --task-timeout:
                                  the watchdog ended the run, no report */
    IX_EXIT_INTERRUPTED = 130, /* stopped by SIGINT/SIGTERM */
};

int ix_cli_main(int argc, char **argv);

#endif
