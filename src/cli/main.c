/* main.c - the infraexec executable: everything happens in cli.c. */
#include "infraexec/cli/cli.h"

int main(int argc, char **argv)
{
    return ix_cli_main(argc, argv);
}
