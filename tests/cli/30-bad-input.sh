#!/bin/bash
# Bad input: exit 2, one line naming the file (and line:col), file untouched.
. "$(dirname "$0")/../lib.sh"

# expect_bad NAME CONTENT-FILE NEEDLE CMD...: run CMD on a copy; check it all.
expect_bad() {
    local name=$1 needle=$2; shift 2
    cp "$T/$name" "$T/$name.orig"
    ix "$@"
    is "$rc" 2 "$name: exit 2 ($*)"
    like "$err" "$needle" "$name: message names the problem"
    one_line "$err" "$name: message is one line"
    ok "$name: file untouched" cmp "$T/$name" "$T/$name.orig"
}

printf '# Just a heading\n\n- [ ] x\n' >"$T/nofm.md"
for cmd in show tick log; do
    case $cmd in tick) a=1 ;; log) a=msg ;; *) a= ;; esac
    expect_bad nofm.md "$T/nofm.md:1:1: no frontmatter" $cmd "$T/nofm.md" $a
done
ix lint "$T/nofm.md"
is "$rc" 2 "lint: no frontmatter exits 2"
is "$out" "$T/nofm.md:1:1: no frontmatter (the file must start with a '---' line)" \
    "lint: no frontmatter as FILE:LINE:COL: message"
printf -- '---\nid: T\ntitle: x\n\n## Acceptance Criteria\n- [ ] a\n' >"$T/unterminated.md"
expect_bad unterminated.md "$T/unterminated.md:1:1: unterminated frontmatter" tick "$T/unterminated.md" 1
printf -- '---\nid: T\ntitle: [unclosed\nstatus: active\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/badyaml.md"
expect_bad badyaml.md "$T/badyaml.md:4:" log "$T/badyaml.md" hello
like "$err" "invalid YAML frontmatter" "bad YAML says so"
printf -- '---\nid: T\ntitle: x\n---\n## Acceptance Criteria\n- [ ] a\0b\n' >"$T/nul.md"
expect_bad nul.md "$T/nul.md:6:8: NUL byte" tick "$T/nul.md" 1
printf -- '---\nid: T\ntitle: a\xc2\x85b\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/nel.md"
expect_bad nel.md "$T/nel.md:3:9: U+0085 NEXT LINE in the frontmatter is not supported" tick "$T/nel.md" 1
printf -- '---\nid: T\ntitle: x\n---\n## Acceptance Criteria\n- [ ] caf\xe9\n' >"$T/latin1.md"
expect_bad latin1.md "$T/latin1.md:6:10: invalid UTF-8" show "$T/latin1.md"
{ printf -- '---\nid: T\ntitle: big\n---\n## Acceptance Criteria\n- [ ] a\n'; head -c 17000000 /dev/zero | tr '\0' 'a'; } >"$T/big.md"
expect_bad big.md "$T/big.md: file is larger than 16 MiB" tick "$T/big.md" 1
cp "$CORPUS/TASK-003.md" "$T/range.md"
expect_bad range.md "$T/range.md: no criterion 10 (the task has 9)" tick "$T/range.md" 1 10
expect_bad range.md "'zero' is not a criterion number" tick "$T/range.md" zero
ix log "$T/range.md" ""
is "$rc" 2 "empty log message exits 2"
ix tick "$T/missing.md" 1
is "$rc" 2 "missing file exits 2"
like "$err" "$T/missing.md: cannot open: No such file or directory" "missing file is named"
ix show "$T"
is "$rc" 2 "a directory exits 2"

# Permission problems, as an unprivileged user (root ignores modes).
chmod 755 "$T"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
cp "$CORPUS/TASK-003.md" "$T/secret.md"
chmod 600 "$T/secret.md"
out=$(nobody "$IX_BIN" show "$T/secret.md" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "unreadable file exits 2"
like "$out" "$T/secret.md: cannot open: Permission denied" "unreadable file is named"

mkdir "$T/ro"
cp "$CORPUS/TASK-005.md" "$T/ro/t.md"
chmod 666 "$T/ro/t.md"
cp "$T/ro/t.md" "$T/ro.orig"
chmod 555 "$T/ro"
out=$(nobody "$IX_BIN" tick "$T/ro/t.md" 6 2>&1) && rc=0 || rc=$?
is "$rc" 2 "read-only directory exits 2"
like "$out" "$T/ro/t.md: cannot create a temp file in its directory: Permission denied" \
    "read-only directory: the file is named"
ok "read-only directory: original survives" cmp "$T/ro/t.md" "$T/ro.orig"
chmod 755 "$T/ro"

# A full disk, simulated with RLIMIT_FSIZE (ulimit -f, in KiB blocks).
cp "$CORPUS/TASK-006.md" "$T/full.md"
cp "$T/full.md" "$T/full.orig"
out=$(ulimit -f 4; "$IX_BIN" log "$T/full.md" "will not fit" 2>&1) && rc=0 || rc=$?
is "$rc" 2 "full disk exits 2"
like "$out" "$T/full.md: cannot write (file left unchanged): File too large" "full disk: file named"
ok "full disk: original survives" cmp "$T/full.md" "$T/full.orig"
is "$(ls -A "$T" | grep -c '\.ix-')" 0 "full disk: temp file removed"

done_testing
