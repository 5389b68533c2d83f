/* procspawn.c - starting a command's child (proc_internal.h): posix_spawn
 * into its own process group, its pipes, its program found on the child's
 * PATH, its environment. */
#include "proc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* argv[0] as execvp would find it on the PATH of the child's environment
 * (posix_spawnp would search ours) from the child's directory DIR (an fd, or
 * AT_FDCWD).  Returns 0 with the file to exec in out, or the errno execvp
 * would have failed with. */
static int find_program(const char *name, char **envp, int dir, ix_buf *out)
{
    out->len = 0;
    if (strchr(name, '/')) {
        ix_buf_puts(out, name);
        return 0;
    }
    if (!*name)
        return ENOENT;
    const char *path = NULL;
    for (char **e = envp ? envp : environ; e && *e && !path; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    if (!path)
        path = "/bin:/usr/bin"; /* glibc's default, as execvp uses */
    int errnum = ENOENT;
    for (const char *d = path;; d++) {
        const char *end = strchrnul(d, ':');
        out->len = 0;
        if (end > d) /* an empty entry is the child's directory */
            ix_buf_append(out, d, (size_t)(end - d)), ix_buf_putc(out, '/');
        ix_buf_puts(out, name);
        struct stat st;
        if (fstatat(dir, out->data, &st, 0) == 0 && S_ISREG(st.st_mode)) {
            if (faccessat(dir, out->data, X_OK, AT_EACCESS) == 0)
                return 0;
            errnum = EACCES;
        } else if (errno == EACCES) {
            errnum = EACCES;
        }
        if (!*end)
            return errnum;
        d = end;
    }
}

/* A pipe with both ends CLOEXEC and above 2, so dup2 onto 0..2 in the child
 * never collides with an end that is itself 0..2 (caller closed stdio).
 * On failure both ends are -1. */
static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fds[0] = fds[1] = -1;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3), saved = errno;
        close(fds[i]);
        fds[i] = moved;
        if (moved < 0) {
            close(fds[1 - i]);
            fds[0] = fds[1] = -1;
            errno = saved;
            return -1;
        }
    }
    return 0;
}

void ix_proc_close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

pid_t ix_proc_wait_child(pid_t pid, int *status, int flags)
{
    pid_t w;
    do
        w = waitpid(pid, status, flags);
    while (w < 0 && errno == EINTR);
    return w;
}

/* posix_spawn of FILE, and of `/bin/sh FILE args` when it has no #! line,
 * as execvp does.  Returns 0 or an errno. */
static int spawn_file(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                      const posix_spawnattr_t *attr, char *const *argv, char **envp)
{
    int e = posix_spawn(pid, file, fa, attr, argv, envp);
    if (e != ENOEXEC)
        return e;
    size_t n = 0;
    while (argv[n])
        n++;
    char **sh = ix_xcalloc(n + 2, sizeof *sh);
    sh[0] = (char *)"/bin/sh";
    sh[1] = (char *)file;
    memcpy(sh + 2, argv + 1, (n ? n - 1 : 0) * sizeof *sh);
    e = posix_spawn(pid, "/bin/sh", fa, attr, sh, envp);
    free(sh);
    return e;
}

/* Start the child with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no
 * copy of our page tables), set up by its attributes: its own process group;
 * stdin /dev/null, stdout/stderr our pipes, no other fd of ours (a stray
 * holder of a pipe is what makes runs hang); the cwd.  exec keeps ignored
 * signals ignored (a caller ignoring SIGPIPE would make `yes | head` spin on
 * EPIPE) and blocked ones blocked (a caller using signalfd would leave
 * SIGTERM blocked and our timeout toothless): so default dispositions and an
 * empty mask.  Returns -1 on resource failure, 0 with *pid = -1 if it could
 * not be started (spawn_error, exit_code set), else 0 with its pid and the
 * read ends of its stdout/stderr in out[]. */
int ix_proc_spawn(ix_proc *p, char *const *argv, char **envp, int devnull,
                  pid_t *pid, int out[2], ix_err *err)
{
    int fd[4] = {-1, -1, -1, -1}; /* stdout, stderr: r/w */
    *pid = -1;
    if (make_pipe(fd) < 0 || make_pipe(fd + 2) < 0) {
        ix_err_sys(err, "pipe");
        for (int i = 0; i < 4; i++)
            ix_proc_close_fd(&fd[i]);
        return -1;
    }
    int dir = AT_FDCWD, e = 0, cwd_failed = 0;
    if (p->cwd && (dir = open(p->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        e = errno, cwd_failed = 1;
    ix_buf file = IX_BUF_INIT;
    if (!e)
        e = find_program(argv[0], envp, dir, &file);
    if (!e) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        sigemptyset(&none);
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGPIPE);
        sigaddset(&dfl, SIGXFSZ);
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &dfl);
        if (posix_spawn_file_actions_adddup2(&fa, devnull, 0) ||
            posix_spawn_file_actions_adddup2(&fa, fd[1], 1) ||
            posix_spawn_file_actions_adddup2(&fa, fd[3], 2) ||
            (p->cwd && posix_spawn_file_actions_addfchdir_np(&fa, dir)) ||
            posix_spawn_file_actions_addclosefrom_np(&fa, 3))
            e = ENOMEM;
        else
            e = spawn_file(pid, file.data, &fa, &attr, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        /* The one failure the child's fchdir adds: no search permission. */
        if (e && p->cwd && faccessat(dir, ".", X_OK, AT_EACCESS) < 0)
            e = errno, cwd_failed = 1;
    }
    ix_buf_free(&file);
    if (dir >= 0)
        close(dir);
    ix_proc_close_fd(&fd[1]);
    ix_proc_close_fd(&fd[3]);
    if (!e) {
        if (p->on_group)
            p->on_group(p->ctx, *pid);
        out[0] = fd[0];
        out[1] = fd[2];
        return 0;
    }
    *pid = -1;
    ix_proc_close_fd(&fd[0]);
    ix_proc_close_fd(&fd[2]);
    if (e == ENOMEM || e == EAGAIN) { /* out of processes or memory, not a bad command */
        errno = e;
        return ix_err_sys(err, "posix_spawn");
    }
    char ebuf[128];
    const char *es = strerror_r(e, ebuf, sizeof ebuf);
    if (cwd_failed)
        snprintf(p->spawn_error, sizeof p->spawn_error, "cannot chdir to %s: %s", p->cwd, es);
    else
        snprintf(p->spawn_error, sizeof p->spawn_error, "%s: %s", argv[0], es);
    p->exit_code = 127;
    return 0;
}

/* ---- environment ---- */

static size_t name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

static int same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && strncmp(a, b, n) == 0;
}

/* environ with p->env applied, as a new array of borrowed strings; NULL when
 * there is nothing to apply. */
char **ix_proc_build_env(const char *const *extra)
{
    if (!extra || !extra[0])
        return NULL;
    size_t n = 0, m = 0, k = 0;
    while (environ && environ[n])
        n++;
    while (extra[m])
        m++;
    char **envp = ix_xcalloc(n + m + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && !same_name(environ[i], extra[j]))
            j++;
        if (j == m)
            envp[k++] = environ[i];
    }
    for (size_t i = 0; i < m; i++) {
        size_t j = i + 1; /* a later entry for the same name wins */
        while (j < m && !same_name(extra[i], extra[j]))
            j++;
        if (j == m && strchr(extra[i], '='))
            envp[k++] = (char *)extra[i];
    }
    envp[k] = NULL;
    return envp;
}
