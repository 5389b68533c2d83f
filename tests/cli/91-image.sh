#!/bin/bash
# tools/image.sh end to end: build the OCI image (mmdebstrap + buildah) from
# the local copy of the Debian mirror that `tools/deps.sh test` fetched
# (tools/image.sh --fetch: signed InRelease and Packages files, the .deb
# files the image needs; no network here), push it to the loopback TLS
# docker-registry, pull it back into empty storage, and run infraexec inside
# it with `buildah run --isolation chroot` (podman cannot set rlimits on these
# machines).  buildah's storage lives in $T: nothing is kept.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab

# ---- bad invocations: exit 2, one line, nothing built ----
for args in "--push" "--bogus" "--tag ''"; do
    out=$(eval "$IX_ROOT/tools/image.sh $args" 2>"$T/err") && rc=0 || rc=$?
    is "$rc" 2 "image.sh $args: exit 2"
    like "$(head -1 "$T/err")" "image.sh: " "image.sh $args: says what is wrong"
done

ix_mirror=$(realpath -m "$IX_ROOT/build/image-mirror") # as tools/image.sh writes it
out=$("$IX_ROOT/tools/image.sh" --fetch "$T/x" --root "$T/y" 2>"$T/err") && rc=0 || rc=$?
is "$rc:$(head -1 "$T/err")" "2:image.sh: --fetch builds nothing; it takes no other option" \
    "--fetch with a build option: exit 2, one line"
# --fetch replaces DIR as a whole, so it takes only an empty one or an earlier copy.
mkdir -p "$T/mine" && echo keep >"$T/mine/file"
for d in "$T/mine" "$T/mine/" "$T/mine/file" "$T/a b" /; do
    out=$("$IX_ROOT/tools/image.sh" --fetch "$d" 2>"$T/err") && rc=0 || rc=$?
    is "$rc" 2 "--fetch '$d': exit 2"
    like "$(cat "$T/err")" "image.sh: --fetch '" "... one line naming it"
    one_line "$(cat "$T/err")" "... in one line"
done
is "$(ls -A "$T/mine"):$(cat "$T/mine/file")" "file:keep" "the directory is untouched"
ok "the mirror copy tools/deps.sh test fetches is there ($ix_mirror)" test -s "$ix_mirror/debian.sources"
if [ ! -s "$ix_mirror/debian.sources" ]; then
    echo "# run tools/deps.sh test first (it runs tools/image.sh --fetch $ix_mirror)"
    done_testing
    exit
fi

out=$(IMAGE_MIRROR=$T/nonexistent.sources "$IX_ROOT/tools/image.sh" --root "$T/never" 2>"$T/err") && rc=0 || rc=$?
is "$rc:$(cat "$T/err")" "2:image.sh: IMAGE_MIRROR '$T/nonexistent.sources' is neither a mirror URL nor a sources file" \
    "a mirror that is neither a URL nor a file: exit 2, one line"
ok "... and no storage was created" test ! -e "$T/never"

# A mirror that does not answer (a closed loopback port): mmdebstrap fails,
# and so does image.sh, with no image left behind.
out=$(IMAGE_MIRROR=http://127.0.0.1:9/debian "$IX_ROOT/tools/image.sh" --root "$T/dead" --tag localhost/dead:x \
    2>"$T/err") && rc=0 || rc=$?
is "$rc" 1 "a dead mirror: exit 1"
like "$(tail -1 "$T/err")" "image.sh: mmdebstrap failed (exit " "it says mmdebstrap failed"
like "$(tail -1 "$T/err")" "with the mirror http://127.0.0.1:9/debian" "and names the mirror"
ok "no image was made" test ! -e "$T/dead"

# The mirror copy keeps Debian's signatures: one changed byte in a signed
# InRelease, or in a .deb its Packages file hashes, and the build fails.
# (A tree of symbolic links to the copy, with that one file replaced.)
tamper() { # NAME FILE-IN-THE-COPY SED-SCRIPT: $T/NAME.sources, FILE changed
    cp -rs "$ix_mirror" "$T/$1"
    local f=$T/$1/$2
    sed "$3" "$(readlink -f "$f")" >"$f.new"
    ok "tamper $1: $2 changed in the link tree" bash -c "! cmp -s '$f.new' '$(readlink -f "$f")'"
    rm "$f"; mv "$f.new" "$f"
    sed "s#copy://$ix_mirror/#copy://$T/$1/#" "$ix_mirror/debian.sources" >"$T/$1.sources"
    ok "tamper $1: its sources name the link tree only" \
        bash -c "grep -q 'copy://$T/$1/' '$T/$1.sources' && ! grep -q '$ix_mirror' '$T/$1.sources'"
}
inrelease=$(cd "$ix_mirror" && find . -path "*/dists/$(. /etc/os-release && echo "$VERSION_CODENAME")/InRelease" | head -1)
tamper badsig "$inrelease" 's/^Origin: Debian$/Origin: Debiam/'
out=$(IMAGE_MIRROR=$T/badsig.sources "$IX_ROOT/tools/image.sh" --root "$T/badsig-root" --tag localhost/bad:x \
    2>"$T/err") && rc=0 || rc=$?
is "$rc" 1 "an InRelease whose signature no longer matches: exit 1"
like "$(tail -1 "$T/err")" "image.sh: mmdebstrap failed (exit " "... as mmdebstrap failed"
basefiles=$(cd "$ix_mirror" && find . -name 'base-files_*.deb' | head -1)
tamper baddeb "$basefiles" '$ s/$/x/'
out=$(IMAGE_MIRROR=$T/baddeb.sources "$IX_ROOT/tools/image.sh" --root "$T/baddeb-root" --tag localhost/bad:y \
    2>"$T/err") && rc=0 || rc=$?
is "$rc" 1 "a .deb whose hash no longer matches its Packages entry: exit 1"
like "$(tail -1 "$T/err")" "image.sh: mmdebstrap failed (exit " "... as mmdebstrap failed"
# The build below reads the same kind of link tree, unchanged: it succeeding
# shows the two failures come from the changed byte alone.
cp -rs "$ix_mirror" "$T/clean"
sed "s#copy://$ix_mirror/#copy://$T/clean/#" "$ix_mirror/debian.sources" >"$T/clean.sources"
export IMAGE_MIRROR=$T/clean.sources

out=$(IMAGE_MIRROR=http://127.0.0.1:9/debian "$IX_ROOT/tools/image.sh" --fetch "$T/deadcopy" 2>"$T/err") &&
    rc=0 || rc=$?
is "$rc" 1 "--fetch from a dead mirror: exit 1"
like "$(tail -1 "$T/err")" "image.sh: mmdebstrap failed (exit " "... mmdebstrap failed"
ok "... and no copy was made" test ! -e "$T/deadcopy" -a ! -e "$T/deadcopy.new"

lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
certs=$lab/registry/certs.d

start=$(date +%s)
(cd "$T" && "$IX_ROOT/tools/image.sh" --root "$T/build" --tag localhost/infraexec:test \
    --push "$reg/infraexec:test" --cert-dir "$certs") >"$T/out" 2>"$T/err" && rc=0 || rc=$?
secs=$(( $(date +%s) - start ))
is "$rc" 0 "image.sh builds and pushes (exit 0)"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/err" | tail -20
is "$(cat "$T/out")" localhost/infraexec:test "it prints the image's name"
echo "# image built and pushed in ${secs}s"
is "$(curl -s --cacert "$lab/registry/certs/domain.crt" "https://$reg/v2/infraexec/tags/list")" \
    '{"name":"infraexec","tags":["test"]}' "the image is in the registry"

# Everything below runs on the image pulled back from the registry.
bah() { buildah --root "$T/pull" --runroot "$T/pull/run" --storage-driver vfs "$@"; }
ok "pulled back from the registry (TLS verified with its CA)" \
    bah pull -q --cert-dir "$certs" "docker://$reg/infraexec:test"
img=$reg/infraexec:test
echo "# image size: $(bah images --format '{{.Size}}' "$img")"
label() { bah inspect --format "{{index .OCIv1.Config.Labels \"org.opencontainers.image.$1\"}}" "$img"; }
version=$("$IX_ROOT/bin/infraexec" --version | sed -n 's/^infraexec //p')
revision=$(git -C "$IX_ROOT" rev-parse HEAD)
[ -z "$(git -C "$IX_ROOT" status --porcelain)" ] || revision=$revision-dirty
is "$(label version)" "$version" "label version is infraexec --version"
is "$(label revision)" "$revision" "label revision is the commit built"
is "$(bah inspect --format '{{.OCIv1.Config.Entrypoint}}' "$img")" "[/usr/bin/infraexec]" "entrypoint is infraexec"
is "$(bah inspect --format '{{.OCIv1.Config.User}}' "$img")" "10001:10001" "configured to run as uid 10001"

ctr=$(bah from -q "$img")
mkdir -p "$T/ws/tasks/active"
chown -R 10001:10001 "$T/ws"
inside() { # CMD...: run in the container, in /work = $T/ws; sets $out, $rc
    out=$(bah run --isolation chroot --workingdir /work -v "$T/ws:/work" "$ctr" -- "$@" 2>"$T/inside.err") &&
        rc=0 || rc=$?
}
inside infraexec --version
is "$out" "infraexec $version" "infraexec --version inside the image"
inside id -u
is "$out" 10001 "it runs as the non-root user"
inside sh -c 'command -v git && command -v kubectl && test -s /etc/ssl/certs/ca-certificates.crt'
is "$rc" 0 "git, kubectl and the CA bundle are in it"
inside sh -c 'kubectl version --client'
like "$out" "Client Version" "kubectl runs"
for tool in apt-get gcc cc make curl; do
    inside sh -c "command -v $tool || echo absent"
    is "$out" absent "no $tool in the image"
done
inside sh -c 'ls /usr/share/infraexec; ls -A /work; test ! -e /etc/infraexec'
is "$rc:$out" "0:handlers
lua
tasks" "handlers installed under /usr; no config or credentials baked in (/etc/infraexec, /work)"
# libgit2 and libcurl are dlopened (src/base/dlib.c), so ldd does not list them.
inside sh -c 'ls /usr/lib/*/libgit2.so.* /usr/lib/*/libcurl.so.4 | sed "s#.*/##"'
like "$out" "libgit2.so.1" "libgit2, which the binary dlopens, is in the image"
like "$out" "libcurl.so.4" "so is libcurl"

# A small task: the command runs inside the image and is ticked; a command
# the image lacks is not.
cat >"$T/ws/tasks/active/TASK-1.md" <<'MD'
---
id: TASK-1
title: Image smoke test
status: active
priority: high
labels: [testing]
updated: 2026-01-01
---

## Acceptance Criteria

- [ ] Create marker: `touch marker`
- [ ] Compile: `gcc --version`

## Progress Log

- 2026-01-01 10:00: created
MD
chown 10001:10001 "$T/ws/tasks/active/TASK-1.md"
inside infraexec run TASK-1 --json -q
is "$rc" 1 "run inside the image: exit 1 (one criterion remains)"
json=$out
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$json")" completed,remaining "marker done, gcc not"
like "$(jq -r '.criteria[1].reason' <<<"$json")" "gcc" "the reason names the missing command"
ok "the marker was made by the runner" test -e "$T/ws/marker"
is "$(stat -c %u "$T/ws/marker")" 10001 "as uid 10001"
like "$(cat "$T/ws/tasks/active/TASK-1.md")" "- [x] Create marker: \`touch marker\`" "criterion 1 ticked"
like "$(cat "$T/ws/tasks/active/TASK-1.md")" "- [ ] Compile: \`gcc --version\`" "criterion 2 not ticked"

# A claim inside the image: libgit2 (dlopened) fetches, commits and pushes.
# The bare remote and the clone are under /work, where the container sees them.
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }
G init -q --bare -b main "$T/ws/q.git"
G clone -q "$T/ws/q.git" "$T/ws/q" 2>/dev/null
mkdir -p "$T/ws/q/tasks/active"
printf 'queue:\n  remote: origin\n  branch: main\n  lease: 1h\n' >"$T/ws/q/infraexec.yaml"
sed 's/^status: active$/status: ready/' "$T/ws/tasks/active/TASK-1.md" >"$T/ws/q/tasks/active/TASK-7.md"
sed -i 's/^id: TASK-1$/id: TASK-7/' "$T/ws/q/tasks/active/TASK-7.md"
(cd "$T/ws/q" && G add -A && G commit -qm tasks && G push -q origin main &&
    git remote set-url origin /work/q.git && git config user.name image && git config user.email image@example.invalid)
chown -R 10001:10001 "$T/ws"
inside sh -c 'cd /work/q && infraexec claim --runner in-image'
is "$rc:$out" "0:TASK-7" "claim inside the image: exit 0, the task's id"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/inside.err"
is "$(git -c safe.directory='*' -C "$T/ws/q.git" log -1 --format=%s main)" "TASK-7: claimed by in-image" "the claim was pushed to the remote"
bah rm "$ctr" >/dev/null

done_testing
