/* cli.h - the command line: argument parsing, dispatch and exit codes.
 *
 * main() only calls ix_cli_main; every command returns one of the exit
 * codes of exitcode.h, which are the contract with shells and orchestrators. */
#ifndef INFRAEXEC_CLI_H
#define INFRAEXEC_CLI_H

#define IX_VERSION "0.1.0"

#include "infraexec/base/exitcode.h"

int ix_cli_main(int argc, char **argv);

#endif
