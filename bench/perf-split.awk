# perf-split.awk - where the CPU of an `infraexec run` goes, from
# `perf script -F comm,pid,ip,sym` of a `perf record --call-graph dwarf`
# taken on a build with symbols (bench/run builds one).
#
# Each sample is a paragraph: "comm pid" and then its call chain, innermost
# frame first.  A sample goes to the first category below whose frames it
# contains, so the order matters: fork/exec before the Lua code that asked
# for it, the fsync before the task-file update around it.
#
#   -v hz=F        sampling frequency, to turn samples into milliseconds
#   -v steps=N     units of work in the run (criteria, MiB), for the
#                  per-unit column
# Prints "category<TAB>ms per unit<TAB>share %" lines (unsorted).

BEGIN { RS = ""; FS = "\n" }

function cat_of(comm, s) {
    if (comm != "infraexec")
        return "the command's own process: " comm " (exec, ld.so, its work, exit)"
    if (s ~ /child_exec|__x64_sys_execve|execvp/)
        return "fork/exec: child side of fork up to execve"
    if (s ~ /_Fork|__libc_fork|kernel_clone|copy_process/)
        return "fork/exec: fork() in infraexec (page tables, COW)"
    if (s ~ /ix_file_update/) {
        if (s ~ /fsync/)
            return "task-file update: fsync (file + directory)"
        if (s ~ /ix_task_parse|cmark_|ix_task_free|ix_fm_/)
            return "task-file update: parsing the whole file (cmark + libyaml)"
        return "task-file update: lock, read, temp file, write, rename"
    }
    if (s ~ /ix_proc_run/) {
        # The output path, line by line (what a chatty command costs).
        if (s ~ /ix_events_|json_/)
            return "output: per-line events JSON"
        if (s ~ /on_line|ix_progress_line/)
            return "output: per-line progress callback"
        if (s ~ /ix_secrets/)
            return "output: secret masking"
        if (s ~ /log_flush|emit_line|log_event/)
            return "output: command log (stamp each line, write)"
        if (s ~ /ring_push|feed/)
            return "output: tail ring and line splitting"
        if (s ~ /ksys_read|__libc_read/)
            return "output: reading the pipes"
        return "spawn: pipes, poll, reap"
    }
    if (s ~ /open_log/)
        return "per-command log file (create)"
    if (s ~ /lua_gc/)
        return "Lua: full GC after every criterion (lua_gc)"
    if (s ~ /ix_luahost_dispatch/)
        return "Lua: dispatch (handler match/run code)"
    if (s ~ /ix_luahost_open/)
        return "Lua: state creation + handler loading"
    if (s ~ /_dl_start|dl_main|_dl_relocate|_dl_init|_dl_sysdep/)
        return "start-up: dynamic loading of the shared libraries"
    # ix_task_load reads into a 64 KiB stack buffer, deeper than the stack
    # perf copies, so its caller is unknown: the first load and any re-read
    # before a criterion land here together.
    if (s ~ /settled_elsewhere|ix_task_load|ix_task_parse/)
        return "task file load outside the update (at start; re-reads before a criterion)"
    if (s ~ /ix_report|report_/)
        return "report"
    return "other (exit, libc, unattributed)"
}

{
    split($1, head, " ")
    c = cat_of(head[1], $0)
    n[c]++
    total++
}

END {
    for (c in n)
        printf "%s\t%.3f\t%.1f\n", c, n[c] / hz * 1000 / steps, 100 * n[c] / total
}
