/* test_pathjoin.c - paths under .infraexec/ refuse any component that could
 * leave it, task ids are checked against their documented pattern, and the
 * state directories are never opened through a symlink. */
#include "infraexec/base/pathjoin.h"
#include "infraexec/model/task.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void join_is(const char *const *parts, const char *want, const char *what)
{
    ix_buf b = IX_BUF_INIT;
    ix_err err = {""};
    int rc = ix_path_join(&b, "/ws/.infraexec", parts, &err);
    if (want)
        is_str(rc == 0 ? b.data : err.msg, want, "join: %s", what);
    else
        ok(rc < 0 && !b.data && strstr(err.msg, "refused"), "join refuses %s (%s)", what, err.msg);
    ix_buf_free(&b);
}

int main(void)
{
    join_is((const char *const[]){"locks", "T-1.lock", NULL}, "/ws/.infraexec/locks/T-1.lock",
            "plain names");
    join_is((const char *const[]){"logs", "..", NULL}, NULL, "'..'");
    join_is((const char *const[]){".", NULL}, NULL, "'.'");
    join_is((const char *const[]){"logs", "", NULL}, NULL, "an empty name");
    join_is((const char *const[]){"logs", "../../x", NULL}, NULL, "a name with '/'");
    join_is((const char *const[]){"a/b", NULL}, NULL, "'a/b'");

    static const char *const good[] = {"TASK-001", "a", "9", "x.y_z-1", "a.b.c", NULL};
    static const char *const bad[] = {"", "../../projects/app/Cargo", "a/b", "..", ".hidden",
                                      "-x", "_x", "a..b", "a b", "a\tb", "caf\xC3\xA9", "x/",
                                      NULL};
    for (int i = 0; good[i]; i++)
        ok(ix_task_id_ok(good[i]), "id '%s' is valid", good[i]);
    for (int i = 0; bad[i]; i++)
        ok(!ix_task_id_ok(bad[i]), "id '%s' is refused", bad[i]);
    char longid[IX_TASK_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    ok(!ix_task_id_ok(longid), "an id of %d characters is refused", IX_TASK_ID_MAX + 1);
    longid[IX_TASK_ID_MAX] = '\0';
    ok(ix_task_id_ok(longid), "an id of %d characters is valid", IX_TASK_ID_MAX);

    /* ix_state_dir: creates what is missing, refuses links at every level. */
    char tmpl[] = "/tmp/ix-pathjoin-XXXXXX";
    char *ws = mkdtemp(tmpl);
    ok(ws != NULL, "temp workspace");
    char p[512], out[512];
    int dfd = -1;
    char *path = NULL;
    ix_err err = {""};
    ok(ix_state_dir(ws, (const char *const[]){"logs", "T-1", NULL}, 1, &dfd, &path, &err) == 0,
       "creates .infraexec/logs/T-1 (%s)", err.msg);
    snprintf(out, sizeof out, "%s/.infraexec/logs/T-1", ws);
    is_str(path ? path : "", out, "and names it");
    free(path);
    if (dfd >= 0)
        close(dfd);
    snprintf(p, sizeof p, "%s/outside", ws);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/.infraexec/locks", ws);
    symlink("../outside", p);
    ok(ix_state_dir(ws, (const char *const[]){"locks", NULL}, 1, &dfd, NULL, &err) < 0 &&
           strstr(err.msg, "is a symbolic link"),
       "a symlinked locks/ is refused (%s)", err.msg);
    ok(ix_state_dir(ws, (const char *const[]){"logs", "..", NULL}, 1, &dfd, NULL, &err) < 0,
       "a '..' part is refused before anything is opened");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ws);
    ok(system(cmd) == 0, "cleanup");
    return tap_done();
}
