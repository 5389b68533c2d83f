/* realpath.c - see include/infraexec/sys/realpath.h */
#include "infraexec/sys/realpath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Whether P reads as a real path would: absolute, no empty, "." or ".."
 * component, no trailing slash ("/" itself aside), short enough. */
static int plain(const char *p)
{
    if (p[0] != '/')
        return 0;
    const char *c = p;
    for (; *c; c++) {
        if (*c != '/')
            continue;
        const char *n = c + 1;
        if (*n == '\0')
            return c == p;
        if (*n == '/' || (n[0] == '.' && (n[1] == '/' || n[1] == '\0' ||
                                          (n[1] == '.' && (n[2] == '/' || n[2] == '\0')))))
            return 0;
    }
    return c - p < PATH_MAX;
}

int ix_realpath(const char *path, char out[PATH_MAX], struct stat *st)
{
    if (plain(path)) {
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
        int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
        if (fd >= 0) {
            int rc = st ? fstat(fd, st) : 0;
            close(fd);
            if (rc == 0)
                strcpy(out, path);
            return rc;
        }
        if (errno == ENOENT)
            return -1;
    }
    if (!realpath(path, out))
        return -1;
    return st ? stat(out, st) : 0;
}
