/* runlock.c - see include/infraexec/runlock.h */
#include "infraexec/runlock.h"

#include "infraexec/buf.h"
#include "infraexec/pathjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int ix_runlock_take(const char *workspace, const char *key, int *fd_out, ix_err *err)
{
    int dfd;
    char *dir;
    if (ix_state_dir(workspace, (const char *const[]){"locks", NULL}, 1, &dfd, &dir, err) < 0)
        return -1;
    ix_buf name = IX_BUF_INIT, path = IX_BUF_INIT;
    ix_buf_printf(&name, "%s.lock", key);
    int rc = ix_path_join(&path, dir, (const char *const[]){name.data, NULL}, err);
    int fd = -1;
    struct stat st;
    if (rc == 0) {
        /* O_NONBLOCK: a FIFO planted there must not hang the open. */
        fd = openat(dfd, name.data, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ELOOP)
            rc = ix_err_set(err, "%s: run lock is a symbolic link; refused (remove it)", path.data);
        else if (fd < 0)
            rc = ix_err_sys(err, "%s: cannot open run lock", path.data);
        else if (fstat(fd, &st) < 0)
            rc = ix_err_sys(err, "%s: cannot stat run lock", path.data);
        else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
            rc = ix_err_set(err, "%s: run lock is not a file infraexec made (%s); refused "
                                 "(remove it)", path.data,
                            S_ISREG(st.st_mode) ? "it has other hard links" : "not a regular file");
    }
    if (rc == 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char holder[200] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        rc = ix_err_set(err, "%s: already being run by %s (lock %s)", key,
                        *holder ? holder : "another process", path.data);
    }
    if (rc < 0 && fd >= 0)
        close(fd);
    else if (rc == 0)
        *fd_out = fd;
    close(dfd);
    free(dir);
    ix_buf_free(&name);
    ix_buf_free(&path);
    return rc;
}
