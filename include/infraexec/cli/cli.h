/* cli.h - the command line: argument parsing, dispatch and exit codes.
 *
 * main() only calls ix_cli_main; every command returns one of the exit
 * codes of exitcode.h, which are the contract with shells and orchestrators. */
#ifndef INFRAEXEC_CLI_H
#define INFRAEXEC_CLI_H

#include "infraexec/base/exitcode.h"
#include "infraexec/base/version.h"

int ix_cli_main(int argc, char **argv);

#endif
