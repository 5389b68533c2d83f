#!/usr/bin/env python3
"""pty_answer.py - run a command on a real pseudo-terminal and answer its prompts.

    pty_answer.py [--stdout-pipe] ANSWER... -- COMMAND [ARGS...]

The command's stdin, stdout and stderr are the slave side of a new pty (so
isatty() is true, as for a person at a terminal); with --stdout-pipe its
stdout is a pipe instead.  Each time the output shows a prompt ending in
"[y/N/skip/quit] ", the next ANSWER is typed followed by Enter; the answer
EOF types Ctrl-D instead, INT sends SIGINT to the command's process group
(what Ctrl-C does; the command has no controlling terminal here).  When the answers run out, the terminal is left
alone (a command still waiting is killed after 60 s).  Everything the
command wrote is copied to our stdout; our exit status is the command's,
and 124 on the timeout.  The number of prompts seen goes to stderr as
"prompts: N".  File descriptors listed in $PTY_PASS_FDS (e.g. "3") stay
open in the command (for --events).
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time

PROMPT = b"[y/N/skip/quit] "


def main():
    args = sys.argv[1:]
    pipe = args[:1] == ["--stdout-pipe"]
    if pipe:
        args = args[1:]
    sep = args.index("--")
    answers, cmd = args[:sep], args[sep + 1:]
    master, slave = pty.openpty()
    keep = [int(fd) for fd in os.environ.get("PTY_PASS_FDS", "").split(",") if fd]
    proc = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE if pipe else slave, stderr=slave,
                            start_new_session=True, close_fds=True, pass_fds=keep)
    os.close(slave)
    fds = [master] + ([proc.stdout.fileno()] if pipe else [])
    seen, prompts, deadline = b"", 0, time.time() + 60
    while fds and time.time() < deadline:
        ready, _, _ = select.select(fds, [], [], 0.2)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the slave side is closed
                data = b""
            if not data:
                fds.remove(fd)
                continue
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            seen += data
        while PROMPT in seen:
            seen = seen[seen.index(PROMPT) + len(PROMPT):]
            prompts += 1
            if answers:
                a = answers.pop(0)
                if a == "INT":  # Ctrl-C as the terminal would send it
                    os.killpg(proc.pid, signal.SIGINT)
                else:
                    os.write(master, b"\x04" if a == "EOF" else a.encode() + b"\r")
        if proc.poll() is not None and not ready:
            break
    try:  # the terminal closes a moment before the process can be reaped
        rc = proc.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        rc = 124
    sys.stderr.write("prompts: %d\n" % prompts)
    sys.exit(rc)


if __name__ == "__main__":
    main()
