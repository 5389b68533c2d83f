#!/bin/bash
# tick and log change only the bytes they own, atomically and under a lock.
. "$(dirname "$0")/../lib.sh"

cp "$CORPUS/TASK-006.md" "$T/t6.md"
cp "$T/t6.md" "$T/orig.md"
ix tick "$T/t6.md" 12 13
is "$rc" 0 "tick two criteria"
# Expected: the two boxes flip and updated: becomes today, nothing else.
l12=$(jq -r '.criteria[11].line' <<<"$("$IX_BIN" show --json "$T/orig.md")")
l13=$(jq -r '.criteria[12].line' <<<"$("$IX_BIN" show --json "$T/orig.md")")
sed -e "${l12}s/- \[ \]/- [x]/" -e "${l13}s/- \[ \]/- [x]/" \
    -e "7s/^updated: 2025-10-18$/updated: 2026-11-25/" "$T/orig.md" >"$T/want.md"
ok "tick changed exactly the boxes and updated:" cmp "$T/t6.md" "$T/want.md"
is "$(jq -r '[.criteria[11,12].checked]|join(",")' <<<"$("$IX_BIN" show --json "$T/t6.md")")" \
    "true,true" "reparsed boxes are checked"

cp "$T/t6.md" "$T/before.md"
ix tick "$T/t6.md" 1
is "$rc" 0 "ticking a checked criterion succeeds"
like "$out" "already checked" "and says nothing changed"
ok "file untouched" cmp "$T/t6.md" "$T/before.md"

ix log "$T/t6.md" "Rebuilt the registry certificate"
is "$rc" 0 "log"
last=$(jq -r '.progress_log[-1]|"\(.stamp): \(.text)"' <<<"$("$IX_BIN" show --json "$T/t6.md")")
is "$last" "2026-11-25 12:34: Rebuilt the registry certificate" "entry appended last"
is "$(diff "$T/before.md" "$T/t6.md" | grep -c '^[<>]')" 1 "log adds exactly one line"

# TASK-008 ends its Progress Log with an entry dated without a time, below
# timed ones from an earlier day: the new entry goes after it, one line added.
cp "$CORPUS/TASK-008.md" "$T/t8.md"
is "$("$IX_BIN" show --json "$T/t8.md" | jq -r '.progress_log[-2:][]|"\(.line) \(.stamp): \(.text[:18])"')" \
    "282 2025-10-17 02:55: Created BUG-021 in
283 2025-10-18: **TASK COMPLETED**" "show --json lists the date-only entry with its date as stamp"
ix log "$T/t8.md" "After the date-only entry"
is "$rc" 0 "log on a file whose last entry is date-only"
sed -e '7s/^updated: 2025-10-18$/updated: 2026-11-25/' \
    -e '283a- 2026-11-25 12:34: After the date-only entry' "$CORPUS/TASK-008.md" >"$T/t8-want.md"
ok "entry after the date-only one; updated: changed; nothing else" cmp "$T/t8.md" "$T/t8-want.md"
ix lint "$T/t8.md"
is "$rc" 0 "and it lints clean"

# CRLF, BOM and no final newline survive.
printf '\xef\xbb\xbf---\r\nid: T-1\r\ntitle: crlf\r\nupdated: "2025-01-01"\r\n---\r\n\r\n## Acceptance Criteria\r\n\r\n- [ ] one\r\n- [ ] two\r\n\r\n## Progress Log\r\n\r\n- 2025-01-01 10:00: start' >"$T/crlf.md"
ix tick "$T/crlf.md" 2
ix log "$T/crlf.md" "two done"
printf '\xef\xbb\xbf---\r\nid: T-1\r\ntitle: crlf\r\nupdated: "2026-11-25"\r\n---\r\n\r\n## Acceptance Criteria\r\n\r\n- [ ] one\r\n- [x] two\r\n\r\n## Progress Log\r\n\r\n- 2025-01-01 10:00: start\r\n- 2026-11-25 12:34: two done' >"$T/crlf-want.md"
ok "CRLF + BOM + no final newline kept byte for byte" cmp "$T/crlf.md" "$T/crlf-want.md"

# A task file that is a symlink is refused, its target untouched (33-links.sh
# tries every command); a regular file's mode is kept.
cp "$CORPUS/TASK-005.md" "$T/target.md"
cp "$T/target.md" "$T/target.orig"
chmod 640 "$T/target.md"
ln -s target.md "$T/link.md"
ix tick "$T/link.md" 6
is "$rc:$err" "2:infraexec: $T/link.md: is a symbolic link; not followed" "tick through a symlink: refused"
ok "link is still a symlink" test -L "$T/link.md"
ok "target not edited" cmp "$T/target.md" "$T/target.orig"
ix tick "$T/target.md" 6
is "$(jq -r '.criteria[5].checked' <<<"$("$IX_BIN" show --json "$T/target.md")")" true \
    "the file itself edited"
is "$(stat -c %a "$T/target.md")" 640 "mode kept"
is "$(ls -A "$T" | grep -c '\.ix-')" 0 "no temp file left behind"

# Many concurrent writers: every entry lands, none is lost.
cp "$CORPUS/TASK-004.md" "$T/busy.md"
for i in $(seq 1 30); do "$IX_BIN" log "$T/busy.md" "writer $i" >/dev/null & done
wait
n=$("$IX_BIN" show --json "$T/busy.md" | jq '[.progress_log[]|select(.text|startswith("writer "))]|length')
is "$n" 30 "30 concurrent log writers: all 30 entries present"
ix lint "$T/busy.md"
is "$rc" 0 "file still lints clean after concurrent writes"

# A second writer waits for the lock rather than interleaving: it finishes
# only after the holder released it.
cp "$CORPUS/TASK-004.md" "$T/locked.md"
(flock -x 9; touch "$T/holding"; sleep 1; touch "$T/released") 9<"$T/locked.md" &
while [ ! -e "$T/holding" ]; do sleep 0.05; done
ix log "$T/locked.md" "after the lock"
is "$rc" 0 "writer waited for the lock and succeeded"
ok "it finished after the holder released the lock" test -e "$T/released"
wait

# A writer that cannot get the lock in time gives up with a clear message.
cp "$T/locked.md" "$T/locked.orig"
rm -f "$T/holding"
(flock -x 9; touch "$T/holding"; sleep 3) 9<"$T/locked.md" &
while [ ! -e "$T/holding" ]; do sleep 0.05; done
out=$(INFRAEXEC_LOCK_WAIT=0.3 "$IX_BIN" log "$T/locked.md" "too late" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "lock wait exceeded exits 2"
like "$out" "$T/locked.md: another process has held its lock for 0.3 s; try again" \
    "lock wait exceeded names the file"
ok "file untouched after giving up" cmp "$T/locked.md" "$T/locked.orig"
wait

# A lock wait that is no number of seconds (inf would wait forever) is refused.
for bad in inf nan 1e9 -1 10x; do
    out=$(INFRAEXEC_LOCK_WAIT=$bad "$IX_BIN" log "$T/locked.md" "bad wait" 2>&1) && rc=0 || rc=$?
    is "$rc" 2 "INFRAEXEC_LOCK_WAIT=$bad exits 2"
    like "$out" "INFRAEXEC_LOCK_WAIT='$bad' is not a number of seconds from 0 to 3600" \
        "INFRAEXEC_LOCK_WAIT=$bad is named"
    ok "file untouched with INFRAEXEC_LOCK_WAIT=$bad" cmp "$T/locked.md" "$T/locked.orig"
done
# ... before anything runs: a run does not run its command and then fail to tick.
printf -- '---\nid: LW-1\ntitle: x\n---\n## Acceptance Criteria\n- [ ] Create marker `touch %s/lw-ran`\n' "$T" >"$T/lw.md"
cp "$T/lw.md" "$T/lw.orig"
out=$(INFRAEXEC_LOCK_WAIT=inf "$IX_BIN" run -q "$T/lw.md" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "run with INFRAEXEC_LOCK_WAIT=inf exits 2"
like "$out" "INFRAEXEC_LOCK_WAIT='inf' is not a number" "run names the bad lock wait"
ok "the command did not run" test ! -e "$T/lw-ran"
ok "the task file is untouched" cmp "$T/lw.md" "$T/lw.orig"

# An empty 'updated:' glued to its anchor gets the date as a separate word
# (was appended to the anchor's name, leaving the value empty).
printf -- '---\nid: T\ntitle: x\nupdated: &a2025-10-17\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/anchor.md"
ix tick "$T/anchor.md" 1
is "$rc" 0 "tick with 'updated: &a2025-10-17'"
is "$(grep '^updated:' "$T/anchor.md")" "updated: &a2025-10-17 2026-11-25" "the date is the value, the anchor kept"
is "$("$IX_BIN" show --json "$T/anchor.md" | jq -r .frontmatter.updated)" "2026-11-25" "and reads back as the date"

# Written in place (fileio.h): a tick, `updated:` and a Progress Log entry
# at the end are pwrite()s on the file itself (the same inode, no temp file,
# no rename), the entry and `updated:` made durable before the tick is
# written, then the tick made durable: a crash can leave the entry without
# its tick, never the tick without its entry.  Seen through strace.
printf -- '---\nid: T-1\ntitle: x\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n- [ ] Run step 1: `true`\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n' >"$T/inplace.md"
# A hard link sees an edit made in place, not a file renamed over the name.
ln "$T/inplace.md" "$T/inplace.link"
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    (cd "$T" && strace -f -qq -e trace=pwrite64,fdatasync,fsync,rename,renameat,renameat2 \
        -e signal=none -o "$T/inplace.trace" "$IX_BIN" run -q inplace.md >/dev/null 2>&1)
    # the edits of the task file (fd of the lock file excluded: its pwrites name the pid;
    # so are the Lua bytecode cache's entries, renamed into its own directory)
    seq=$(grep -v -e 'pid [0-9]* since' -e '\.luac"' "$T/inplace.trace" | sed -E 's/^[0-9]+ +//' |
          sed -E 's/^pwrite64\([0-9]+, "(- [0-9: -]+ )?([A-Za-z]+)[^"]*".*/write \2/; s/^pwrite64\([0-9]+, "([0-9-]+)".*/write date/; s/^fdatasync.*/sync/; s/^(rename[a-z0-9]*|fsync).*/&/' |
          tr '\n' ' ')
    is "$seq" "write Completed write date sync write x sync write Run sync " \
        "run: the entry and updated: written and synced, then the tick, then synced; no rename"
else
    ok "strace cannot trace here: the order of the writes not checked" true
    INFRAEXEC_NOW="2026-11-25 12:34" "$IX_BIN" run -q "$T/inplace.md" >/dev/null 2>&1
fi
ok "run: the task file was edited in place (a hard link to it sees the edit)" cmp "$T/inplace.md" "$T/inplace.link"
is "$(grep -c '^- \[x\] Run step 1' "$T/inplace.md") $(grep -c 'Completed criterion 1' "$T/inplace.md") $(grep '^updated:' "$T/inplace.md")" \
    "1 1 updated: 2026-11-25" "run: the tick, its entry and the date are in the file"

# A person's save in place (no lock) while the entry is being made durable
# (fdatasync stretched to 1 s here, as a slow disk does): the tick is not
# written at the offset it had, where the save put another criterion's box;
# the file keeps the save, the entry, no tick, and the run says why.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    F=$T/moved.md
    printf -- '---\nid: T-2\ntitle: x\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n- [ ] Run c01: `touch okk.01`\n- [ ] Run c02: `touch okk.02`\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n' >"$F"
    (cd "$T" && strace -f -qq -o /dev/null -e trace=fdatasync -e inject=fdatasync:delay_exit=1000000 \
        "$IX_BIN" run -q --only 1 moved.md >"$T/moved.out" 2>&1) &
    for _ in $(seq 1 500); do
        if grep -q 'Completed criterion 1' "$F" && grep -q '^- \[ \] Run c01' "$F"; then
            { sed -n '1,8p' "$F"; echo '- [ ] Run cNE: `touch NEWRAN`'; sed -n '9,$p' "$F"; } >"$T/moved.save"
            cat "$T/moved.save" >"$F" # in place, as a shell redirection or an editor does
            break
        fi
        sleep 0.01
    done
    wait
    is "$(grep -c '^- \[x\]' "$F") $(grep -c '^- \[ \] Run cNE' "$F")" "0 1" \
        "a save in place during the entry's fdatasync: no box ticked (not the saved criterion at the old offset)"
    like "$(cat "$T/moved.out")" "criterion 1 changed while the run was going on; not ticked" \
        "... and the run says why criterion 1 stays open"
    ok "... the criterion never run" test ! -e "$T/NEWRAN"
else
    ok "strace cannot trace here: a save during the writes not checked" true
    ok "strace cannot trace here" true
    ok "strace cannot trace here" true
fi
ix lint "$T/inplace.md"
is "$rc" 0 "and it lints clean"
# Not the shape: an entry inserted before another section rewrites the file.
printf -- '---\nid: T-2\ntitle: x\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n- [ ] Run step 1: `true`\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n\n## Notes\n\nx\n' >"$T/insert.md"
cp "$T/insert.md" "$T/insert.orig"
ln "$T/insert.md" "$T/insert.link"
(cd "$T" && "$IX_BIN" run -q insert.md >/dev/null 2>&1)
ok "an entry inserted mid-file: rewritten (a hard link keeps the old file)" cmp "$T/insert.link" "$T/insert.orig"
is "$(sed -n '/^## Notes/,$p' "$T/insert.md" | tr '\n' '|')" "## Notes||x|" "... the section after the log intact"

done_testing
