/* swapper.c - exchange two paths atomically (renameat2 RENAME_EXCHANGE), as
 * fast as it can, until STOPFILE exists: the attacker of the symlink-race
 * tests, which swaps a real file or directory with a symlink out of the tree.
 * Prints the number of swaps on stdout. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: swapper PATH1 PATH2 STOPFILE\n");
        return 2;
    }
    unsigned long n = 0;
    while (access(argv[3], F_OK) != 0) {
        if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
            perror("swapper: renameat2");
            return 1;
        }
        n++;
    }
    printf("%lu\n", n);
    return 0;
}
