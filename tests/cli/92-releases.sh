#!/bin/bash
# An app is several releases, and a version comes from a named source.  On
# real parts: git repositories, `kubectl kustomize` as the validation,
# docker-registry on 127.0.0.1 with buildah pushing to it.  midwestmtg is
# three HelmReleases in three files, triager one file of five documents (the
# beckerkube layout); a version comes from the criterion, another criterion,
# the task's version table, VERSION= in the task's code block, or a commit id
# named for the project, and the report says which.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab

trap 'for l in ${labs:-}; do "$EX/registry.sh" stop "$l"; done; rm -rf "$T"' EXIT

hr() { # NAME NAMESPACE TAG [TAG-KEY]: one HelmRelease document
    printf 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: %s\n      version: ">=0.1.0 <1.0.0"\n  values:\n    %s:\n      repository: %s/%s\n      tag: %s\n' \
        "$1" "$2" "$1" "${4:-image}" "$reg" "$1" "$3"
}

new_lab() { # NAME: the homelab example plus midwestmtg, triager and mtg_dev_agents
    lab=$T/$1
    reg=$("$EX/setup.sh" "$lab")
    "$EX/registry.sh" start "$lab"
    labs="${labs:-} $lab"
    local g=$lab/gitops
    mkdir -p "$g/apps/midwestmtg" "$g/apps/triager"
    for r in backend frontend discord-bot; do
        { printf -- '---\n# midwestmtg %s\n' "$r"; hr "midwestmtg-$r" midwestmtg 0.1.11; } >"$g/apps/midwestmtg/helmrelease-$r.yaml"
    done
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - helmrelease-backend.yaml\n  - helmrelease-frontend.yaml\n  - helmrelease-discord-bot.yaml\n' \
        >"$g/apps/midwestmtg/kustomization.yaml"
    { hr triager-orchestrator triager 0.1.0
      for w in ingest classify route notify; do printf -- '---\n'; hr "triager-worker-$w" triager 0.1.0; done; } \
        >"$g/apps/triager/helmrelease.yaml"
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - helmrelease.yaml\n' \
        >"$g/apps/triager/kustomization.yaml"
    # The example's midwestmtg is there already; its files are written over above.
    printf '  - ../../apps/triager\n' >>"$g/clusters/minikube/kustomization.yaml"
    git -C "$g" add -A && git -C "$g" commit -qm "midwestmtg and triager"
    for p in midwestmtg triager; do mkdir -p "$lab/projects/$p"; done
    # mtg_dev_agents: a real image, built with buildah and pushed.
    local m=$lab/projects/mtg_dev_agents
    mkdir -p "$m/orchestrator"
    printf 'FROM scratch\nARG VERSION\nCOPY app.txt /app.txt\n' >"$m/orchestrator/Containerfile"
    echo orchestrator >"$m/orchestrator/app.txt"
    cat >"$m/build.sh" <<SH
#!/bin/sh
set -eu
bah() { buildah --root "$lab/containers" --runroot "$lab/containers/run" --storage-driver vfs "\$@"; }
ref="\$REGISTRY_URL/mtg_dev_agents/orchestrator:\$VERSION"
bah bud --isolation chroot -q -t "\$ref" orchestrator >/dev/null
[ "\${1:-}" = --push ] && bah push --cert-dir "$lab/registry/certs.d" "\$ref" >/dev/null
echo "built \$ref"
SH
    chmod +x "$m/build.sh"
    cat >"$lab/infraexec.yaml" <<YAML
registry:
  address: $reg
  ca: registry/certs/domain.crt
projects:
  ffl:
    path: projects/ffl
    build: [sh, -c, 'echo "\$VERSION" >built.txt']
    images: [ffl/backend, ffl/frontend]
  midwestmtg:
    path: projects/midwestmtg
    build: [sh, -c, 'echo "\$VERSION" >built.txt']
  triager:
    path: projects/triager
    build: [sh, -c, 'echo "\$VERSION" >built.txt']
  mtg_dev_agents:
    path: projects/mtg_dev_agents
    build: [./build.sh]
    push: [./build.sh, --push]
    images: [mtg_dev_agents/orchestrator]
gitops:
  path: gitops
  names: [beckerkube]              # what the criteria call this repository
  validate: [kubectl, kustomize, clusters/minikube]
  apps:
    ffl:
      helmrelease: gitops/apps/ffl/helmrelease.yaml
      tags: [spec.values.backend.image.tag, spec.values.frontend.image.tag]
      project: ffl
    midwestmtg:
      project: midwestmtg
      namespace: midwestmtg
      releases:
        - {file: gitops/apps/midwestmtg/helmrelease-backend.yaml, tags: [spec.values.image.tag]}
        - {file: gitops/apps/midwestmtg/helmrelease-frontend.yaml, tags: [spec.values.image.tag]}
        - {file: gitops/apps/midwestmtg/helmrelease-discord-bot.yaml, tags: [spec.values.image.tag]}
    triager:
      project: triager
      namespace: triager
      releases:
        - {file: gitops/apps/triager/helmrelease.yaml, document: triager-orchestrator, tags: [spec.values.image.tag]}
        - {file: gitops/apps/triager/helmrelease.yaml, document: triager-worker-ingest, tags: [spec.values.image.tag]}
        - {file: gitops/apps/triager/helmrelease.yaml, document: triager-worker-classify, tags: [spec.values.image.tag]}
        - {file: gitops/apps/triager/helmrelease.yaml, document: triager-worker-route, tags: [spec.values.image.tag]}
        - {file: gitops/apps/triager/helmrelease.yaml, document: "4", tags: [spec.values.image.tag]}
YAML
}

task() { # ID BODY: tasks/active/ID.md with BODY (Markdown after the frontmatter)
    printf -- '---\nid: %s\ntitle: %s test\nstatus: active\npriority: high\nlabels: [builds, deployment]\nupdated: 2026-01-01\n---\n\n%s\n\n## Progress Log\n\n- 2026-01-01 00:00: created\n' \
        "$1" "$1" "$2" >"$lab/tasks/active/$1.md"
}
criteria() { # ID CRITERIA...: a task of these criteria only
    local id=$1 body; shift
    body=$(printf '## Acceptance Criteria\n\n'; printf -- '- [ ] %s\n' "$@")
    task "$id" "$body"
}
run_json() { ix run "$1" --tasks-dir "$lab/tasks" --json -q "${@:2}"; }
tags_of() { # FILE: the image tag of each document, one line
    python3 -c 'import sys,yaml; print(" ".join(str(d["spec"]["values"].get("image", d["spec"]["values"].get("bot", {})).get("tag")) for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$1"
}
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
state() { jq -r ".criteria[$1].state" <<<"$out"; }

new_lab apps
M=$lab/gitops/apps/midwestmtg
TR=$lab/gitops/apps/triager/helmrelease.yaml

# ---- three files, one app: every release carries the tag, one commit ----
criteria TASK-301 "Update midwestmtg HelmRelease in beckerkube to version 0.1.12"
head=$(git -C "$lab/gitops" rev-parse HEAD)
run_json TASK-301 --dry-run
is "$(jq -r '.criteria[0].would_complete' <<<"$out")" true "dry run: the update would complete"
is "$(jq -r '[.criteria[0].files[]|.path|sub(".*/apps/";"")]|join(" ")' <<<"$out")" \
    "midwestmtg/helmrelease-backend.yaml midwestmtg/helmrelease-frontend.yaml midwestmtg/helmrelease-discord-bot.yaml" \
    "dry run: the diff of each of the three files"
is "$(git -C "$lab/gitops" status --porcelain):$(tags_of "$M/helmrelease-backend.yaml")" ":0.1.11" "dry run: nothing written"
run_json TASK-301
is "$rc:$(state 0)" "0:completed" "three files: ticked"
for r in backend frontend discord-bot; do
    is "$(tags_of "$M/helmrelease-$r.yaml")" 0.1.12 "three files: $r carries 0.1.12"
done
is "$(git -C "$lab/gitops" rev-list --count "$head"..HEAD)" 1 "three files: one commit"
is "$(git -C "$lab/gitops" diff --name-only "$head" HEAD | tr '\n' ' ')" \
    "apps/midwestmtg/helmrelease-backend.yaml apps/midwestmtg/helmrelease-discord-bot.yaml apps/midwestmtg/helmrelease-frontend.yaml " \
    "three files: the commit holds exactly the three files"
is "$(git -C "$lab/gitops" status --porcelain)" "" "three files: nothing left uncommitted"
is "$(jq -r '[.criteria[0].evidence[]|select(.expected=="spec.values.image.tag 0.1.12")|"\(.ok) \(.looked_at|sub(".*/apps/";"")) \(.seen)"]|join("; ")' <<<"$out")" \
    "true midwestmtg/helmrelease-backend.yaml document 0 spec.values.image.tag 0.1.12; true midwestmtg/helmrelease-frontend.yaml document 0 spec.values.image.tag 0.1.12; true midwestmtg/helmrelease-discord-bot.yaml document 0 spec.values.image.tag 0.1.12" \
    "three files: one observation per release, naming file and document"
is "$(jq -r '[.criteria[0].evidence[]|select(.expected=="committed")]|length' <<<"$out")" 3 \
    "three files: each file observed committed"
like "$(reason 0)" "3 releases set to 0.1.12 in $M/helmrelease-backend.yaml, $M/helmrelease-frontend.yaml, $M/helmrelease-discord-bot.yaml, validated, committed" \
    "three files: the note names every file"

# One release of three back on the old tag (committed): verify names it.
sed -i 's/tag: 0.1.12/tag: 0.1.11/' "$M/helmrelease-frontend.yaml"
git -C "$lab/gitops" commit -qam "frontend back to 0.1.11"
ix verify TASK-301 --tasks-dir "$lab/tasks" --json -q
is "$rc:$(jq -r '.criteria[0].check' <<<"$out")" "1:fails" "one of three on the old tag: the check fails"
like "$(reason 0)" "$M/helmrelease-frontend.yaml document 0: expected spec.values.image.tag 0.1.12, saw spec.values.image.tag 0.1.11" \
    "... the reason names that file, its document and the tag seen"
# The same world for a run: the criterion is open again, the run sets the
# stray release and ticks it.
criteria TASK-302 "Update midwestmtg HelmRelease in beckerkube to version 0.1.12"
run_json TASK-302
is "$(state 0):$(tags_of "$M/helmrelease-frontend.yaml")" "completed:0.1.12" "a run brings the stray release to the tag"
is "$(git -C "$lab/gitops" diff --name-only HEAD~1 HEAD)" "apps/midwestmtg/helmrelease-frontend.yaml" \
    "... committing only the file that changed"

# One release's tag path is missing: no file changes, nothing is committed.
sed -i 's/^    image:$/    bot:/' "$M/helmrelease-discord-bot.yaml"
git -C "$lab/gitops" commit -qam "discord-bot: values.bot"
head=$(git -C "$lab/gitops" rev-parse HEAD)
for r in backend frontend discord-bot; do cp "$M/helmrelease-$r.yaml" "$T/$r.orig"; done
criteria TASK-303 "Update midwestmtg HelmRelease in beckerkube to version 0.1.13"
run_json TASK-303
is "$rc:$(state 0)" "1:remaining" "a tag path missing in one file: not ticked"
like "$(reason 0)" "$M/helmrelease-discord-bot.yaml document 0: " "... the reason names that file and document"
like "$(reason 0)" "no key 'image'" "... and the key that is not there"
for r in backend frontend discord-bot; do
    ok "... $r unchanged byte for byte" cmp "$M/helmrelease-$r.yaml" "$T/$r.orig"
done
is "$(git -C "$lab/gitops" rev-parse HEAD)" "$head" "... nothing committed"
sed -i 's/^    bot:$/    image:/' "$M/helmrelease-discord-bot.yaml"
git -C "$lab/gitops" commit -qam "discord-bot: values.image"

# Validation fails after all three are written: all three put back.
head=$(git -C "$lab/gitops" rev-parse HEAD)
for r in backend frontend discord-bot; do cp "$M/helmrelease-$r.yaml" "$T/$r.orig"; done
sed -i 's|  - helmrelease-discord-bot.yaml|&\n  - helmrelease-missing.yaml|' "$M/kustomization.yaml"
criteria TASK-304 "Update midwestmtg HelmRelease in beckerkube to version 0.1.13"
run_json TASK-304
is "$(state 0)" remaining "validation fails: not ticked"
like "$(reason 0)" "helmrelease-missing.yaml" "... the reason is kustomize's, naming the missing file"
for r in backend frontend discord-bot; do
    ok "... $r restored byte for byte" cmp "$M/helmrelease-$r.yaml" "$T/$r.orig"
done
is "$(git -C "$lab/gitops" rev-parse HEAD):$(git -C "$lab/gitops" status --porcelain)" "$head: M apps/midwestmtg/kustomization.yaml" \
    "... nothing committed, only the broken kustomization left as it was"
git -C "$lab/gitops" checkout -q -- apps/midwestmtg/kustomization.yaml

# A release file that is a symlink is refused; the files written before it are put back.
mv "$M/helmrelease-frontend.yaml" "$T/frontend-real.yaml"
ln -s "$T/frontend-real.yaml" "$M/helmrelease-frontend.yaml"
cp "$M/helmrelease-backend.yaml" "$T/backend.orig"
criteria TASK-305 "Update midwestmtg HelmRelease in beckerkube to version 0.1.13"
run_json TASK-305
is "$(state 0)" remaining "a symlinked release file: not ticked"
like "$(reason 0)" "symbolic link" "... the reason says why"
ok "... the backend written before it is put back" cmp "$M/helmrelease-backend.yaml" "$T/backend.orig"
is "$(tags_of "$T/frontend-real.yaml")" 0.1.12 "... and the link's target untouched"
rm "$M/helmrelease-frontend.yaml" && mv "$T/frontend-real.yaml" "$M/helmrelease-frontend.yaml"

# ---- one file, five documents (triager) ----
head=$(git -C "$lab/gitops" rev-parse HEAD)
criteria TASK-311 "Update triager HelmRelease in beckerkube to version 0.1.1"
run_json TASK-311
is "$rc:$(state 0)" "0:completed" "five documents: ticked"
is "$(tags_of "$TR")" "0.1.1 0.1.1 0.1.1 0.1.1 0.1.1" "five documents: each carries 0.1.1"
is "$(git -C "$lab/gitops" diff --numstat "$head" HEAD)" $'5\t5\tapps/triager/helmrelease.yaml' \
    "five documents: the commit changes exactly the five tag lines"
is "$(jq -r '[.criteria[0].evidence[]|select(.expected=="spec.values.image.tag 0.1.1")|.looked_at|sub(".*/helmrelease.yaml ";"")]|join(", ")' <<<"$out")" \
    "document triager-orchestrator (0), document triager-worker-ingest (1), document triager-worker-classify (2), document triager-worker-route (3), document 4" \
    "five documents: one observation per document, by name and index"

# The fourth worker's tag reverted: verify names its document.
python3 - "$TR" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
i = s.index("name: triager-worker-route"); j = s.index("tag: 0.1.1", i)
open(p, "w").write(s[:j] + "tag: 0.1.0" + s[j + len("tag: 0.1.1"):])
PY
git -C "$lab/gitops" commit -qam "route back to 0.1.0"
ix verify TASK-311 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '.criteria[0].check' <<<"$out")" fails "one document of five on the old tag: the check fails"
like "$(reason 0)" "$TR document triager-worker-route (3): expected spec.values.image.tag 0.1.1, saw spec.values.image.tag 0.1.0" \
    "... the reason names the document and the tag seen"

# A document the config names that the file does not have: nothing changes.
sed -i 's/document: triager-worker-route,/document: triager-worker-gone,/' "$lab/infraexec.yaml"
cp "$TR" "$T/tr.orig"
head=$(git -C "$lab/gitops" rev-parse HEAD)
criteria TASK-312 "Update triager HelmRelease in beckerkube to version 0.1.2"
run_json TASK-312
is "$(state 0)" remaining "a missing document: not ticked"
like "$(reason 0)" "$TR has no document with metadata.name triager-worker-gone" "... the reason names file and document"
ok "... the file unchanged" cmp "$TR" "$T/tr.orig"
is "$(git -C "$lab/gitops" rev-parse HEAD)" "$head" "... nothing committed"
# Two documents with the name the config gives: neither is guessed.
sed -i 's/document: triager-worker-gone,/document: triager-worker-route,/' "$lab/infraexec.yaml"
sed -i 's/name: triager-worker-notify/name: triager-worker-route/' "$TR"
run_json TASK-312
like "$(reason 0)" "has 2 documents with metadata.name triager-worker-route (documents 3, 4)" \
    "a name two documents carry: refused, both named"
ok "... the file unchanged but for the test's own edit" test "$(tags_of "$TR")" = "0.1.1 0.1.1 0.1.1 0.1.0 0.1.1"
git -C "$lab/gitops" checkout -q -- apps/triager/helmrelease.yaml

# ---- where a version comes from ----
built() { cat "$lab/projects/$1/built.txt" 2>/dev/null || echo none; }
reset_built() { rm -f "$lab"/projects/*/built.txt; }

# The criterion itself: "(v0.1.12)" after the wording.
reset_built
criteria TASK-321 "Build all midwestmtg containers (v0.1.12)"
run_json TASK-321
is "$(state 0):$(built midwestmtg)" "completed:0.1.12" "criterion: (v0.1.12) is the version"
like "$(reason 0)" "(version 0.1.12 from the criterion)" "... and the note says so"

reset_built
criteria TASK-325 "Successfully build all triager images - Version: 0.1.3"
run_json TASK-325
is "$(state 0):$(built triager)" "completed:0.1.3" "criterion: \"Version: 0.1.3\" in its note is the version"

# Another criterion: "Roll out ffl to version X" and "Update ffl HelmRelease
# in beckerkube to version X" name ffl (not "out", not "in").
reset_built
criteria TASK-322 "Roll out ffl to version 0.1.18" "Build all remaining ffl containers"
run_json TASK-322
is "$(state 1):$(built ffl)" "completed:0.1.18" "\"Roll out ffl to version 0.1.18\" gives ffl its version"
like "$(reason 1)" "(version 0.1.18 from criterion 1 (line 12))" "... named as criterion 1 and its line"
reset_built
criteria TASK-323 "Update ffl HelmRelease in beckerkube to version 0.1.19" "Successfully build all ffl images"
run_json TASK-323
is "$(state 1):$(built ffl)" "completed:0.1.19" "\"Update ffl HelmRelease in beckerkube to version X\" gives ffl its version"
reset_built
criteria TASK-324 "Roll out the release to version 0.1.18" "Roll out fflx to version 9.9.9" "Build all remaining ffl containers"
run_json TASK-324
is "$(state 2):$(built ffl)" "remaining:none" "a criterion naming no configured project gives no version"
like "$(reason 2)" "the task names no version for ffl" "... and the reason says none was found"

# The task's version table (TASK-002's shape) and VERSION= must agree; the
# push of mtg_dev_agents, whose version is only in the table, is checked in
# the real registry.
reset_built
task TASK-331 "$(cat <<'MD'
## Service Version Matrix

| Service | Current Chart Version | Target Image Version | Status |
|---------|----------------------|---------------------|---------|
| FFL Backend | 0.1.17 | 0.1.18 | ✅ Complete |
| MidwestMTG Backend | >=0.1.11 <1.0.0 | 0.1.12 | ✅ Complete |
| MidwestMTG Discord Bot | >=0.1.11 <1.0.0 | 0.1.12 | ✅ Complete |
| MTG Dev Agents - Orchestrator | Check chart | 417e41b | ✅ Complete |
| MTG Dev Agents - Worker | Check chart | 417e41b | ✅ Complete |

## Acceptance Criteria

### MidwestMTG
- [ ] Build all remaining midwestmtg containers

### MTG Dev Agents
- [ ] Build all remaining mtg_dev_agents containers
- [ ] Push all mtg_dev_agents images to registry @REG@

## Build Commands

### MidwestMTG (version 0.1.13)
```bash
REGISTRY_URL=@REG@ VERSION=0.1.13 ./scripts/build.sh --push
```
MD
)"
sed -i "s/@REG@/$reg/g" "$lab/tasks/active/TASK-331.md"
run_json TASK-331
is "$(state 0):$(built midwestmtg)" "remaining:none" "version table 0.1.12, VERSION=0.1.13: midwestmtg not built"
like "$(reason 0)" "needs a person: the task gives midwestmtg 0.1.12 in the task's version table (line 15) but 0.1.13 in VERSION= in the task's code block for midwestmtg (line 33)" \
    "... a person decides, both sources named"
is "$(state 1):$(state 2)" "completed:completed" "mtg_dev_agents: built and pushed at the table's version"
like "$(reason 2)" "registry lists mtg_dev_agents/orchestrator at 417e41b (version 417e41b from the task's version table (line 17))" \
    "... the registry is the evidence, the table the source"
is "$(curl -s --cacert "$lab/registry/certs/domain.crt" "https://$reg/v2/mtg_dev_agents/orchestrator/tags/list")" \
    '{"name":"mtg_dev_agents/orchestrator","tags":["417e41b"]}' "... the real registry holds the tag"

# VERSION= in the task's code block for the project.
reset_built
task TASK-332 "$(cat <<'MD'
## Acceptance Criteria

- [ ] Successfully build all triager images

## Build Commands

### FFL (version 0.1.18)
```bash
VERSION=0.1.18 ./scripts/build.sh --push all
```

### Triager (version 0.1.1)
```bash
# First investigate failure (TASK-005), then:
cd ~/projects/triager
REGISTRY_URL=127.0.0.1:5000 VERSION=0.1.1 ./scripts/build.sh --push
```
MD
)"
run_json TASK-332
is "$(state 0):$(built triager)" "completed:0.1.1" "VERSION=: the triager block's version"
like "$(reason 0)" "(version 0.1.1 from VERSION= in the task's code block for triager (line 25))" \
    "... the note names the code block's line"

# A commit id named for the project.
reset_built
task TASK-333 "$(cat <<'MD'
## Acceptance Criteria

- [ ] Build all remaining mtg_dev_agents containers

## Next Steps

1. Update HelmRelease files with new image versions:
   - FFL: 0.1.18
   - MTG Dev Agents: 5e1f0a2
MD
)"
run_json TASK-333
is "$(state 0)" completed "commit id: mtg_dev_agents built"
like "$(reason 0)" "built mtg_dev_agents 5e1f0a2 (version 5e1f0a2 from a commit id named for mtg_dev_agents (line 18))" \
    "... at the commit id, the note names it and its line"
# Quoted words and a commented-out table are not the task's version.
reset_built
task TASK-334 "$(cat <<'MD'
<!-- the old plan
| Service | Target Image Version |
|---|---|
| MidwestMTG Backend | 0.1.9 |
-->
> Upstream: the MidwestMTG crash came in with 5e1f0a3.

## Acceptance Criteria

- [ ] Build all remaining midwestmtg containers
MD
)"
run_json TASK-334
is "$(state 0):$(built midwestmtg)" "remaining:none" "a commented-out table and a commit id in a quote: not built"
like "$(reason 0)" "the task names no version for midwestmtg" "... no version found"

# Two versions from one source: a person decides, nothing is built.
reset_built
task TASK-341 "$(cat <<'MD'
| Service | Target Image Version |
|---|---|
| MidwestMTG Backend | 0.1.12 |
| MidwestMTG Frontend | 0.1.13 |

## Acceptance Criteria

- [ ] Build all remaining midwestmtg containers
MD
)"
run_json TASK-341
is "$(state 0):$(built midwestmtg)" "remaining:none" "two versions in the table: not built"
like "$(reason 0)" "needs a person: the task's version table gives midwestmtg 2 different versions: 0.1.12 (line 12), 0.1.13 (line 13)" \
    "... the reason names both and their lines"
criteria TASK-342 "Roll out midwestmtg to version 0.1.12" "Roll out midwestmtg to version 0.1.14" "Build all remaining midwestmtg containers"
run_json TASK-342
is "$(state 2):$(built midwestmtg)" "remaining:none" "two criteria, two versions: not built"
like "$(reason 2)" "needs a person: the task's criteria gives midwestmtg 2 different versions: 0.1.12 (line 12), 0.1.14 (line 13)" \
    "... the reason names both"
task TASK-343 "$(printf '## Acceptance Criteria\n\n- [ ] Build all remaining triager containers\n\n## Triager\n\n```bash\nVERSION=0.1.1 make a\nVERSION=0.1.2 make b\n```\n')"
run_json TASK-343
like "$(state 0):$(reason 0)" "remaining:needs a person: VERSION= in the task's code block gives triager 2 different versions" \
    "two VERSION= for one project: needs a person"
task TASK-345 "$(printf '| Service | Target Image Version |\n|---|---|\n| Triager | 0.1.1;touch${IFS}%s/pwned |\n\n## Acceptance Criteria\n\n- [ ] Build all remaining triager containers\n' "$T")"
run_json TASK-345
like "$(state 0):$(reason 0)" "remaining:the task's version table names 0.1.1;touch\${IFS}$T/pwned for triager (line 12)" \
    "a table cell that is not a version is refused"
ok "... nothing ran" test ! -e "$T/pwned" -a ! -e "$lab/projects/triager/built.txt"
criteria TASK-344 "Build all midwestmtg containers (v0.1.12;touch)"
run_json TASK-344
like "$(state 0):$(reason 0)" "remaining:the criterion names 0.1.12;touch for midwestmtg" "a malformed version is refused, not cut"

# Another criterion gives a version only when it sets it as the target: a
# negated one, one deleting a version, another product's "(v15.4.0)" do not;
# and it must agree with the version table.
reset_built
criteria TASK-351 "Do not roll back ffl to version 0.1.11" "Build all remaining ffl containers"
run_json TASK-351
is "$(state 1):$(built ffl)" "remaining:none" "\"Do not roll back ffl to version 0.1.11\": no version, not built"
like "$(reason 1)" "the task names no version for ffl" "... the reason says no version was found"
task TASK-352 "$(cat <<'MD'
| Component | Target Version |
|---|---|
| FFL Backend | 0.1.18 |

## Acceptance Criteria

- [ ] Build all remaining ffl containers
- [ ] Delete the ffl version 0.1.11 images from the registry after rollout
- [ ] FFL backend connects to PostgreSQL (v15.4.0)
MD
)"
run_json TASK-352
is "$(state 0):$(built ffl)" "completed:0.1.18" "a delete and another product's (v15.4.0) give no version: the table's 0.1.18 is built"
like "$(reason 0)" "(version 0.1.18 from the task's version table (line 12))" "... the table named as the source"
reset_built
task TASK-353 "$(cat <<'MD'
| Component | Target Version |
|---|---|
| FFL Backend | 0.1.18 |

## Acceptance Criteria

- [ ] Update ffl HelmRelease in beckerkube to version 0.1.19
- [ ] Build all remaining ffl containers
MD
)"
run_json TASK-353 --only 2
is "$(state 1):$(built ffl)" "remaining:none" "a criterion's 0.1.19 and the table's 0.1.18: not built"
like "$(reason 1)" "needs a person: the task gives ffl 0.1.19 in criterion 1 (line 16) but 0.1.18 in the task's version table (line 12)" \
    "... the reason names both sources"
reset_built
criteria TASK-354 "~~Roll out ffl to version 0.1.11~~" "Roll out ffl to version 0.1.18 (postponed)" "Build all remaining ffl containers"
run_json TASK-354 --only 3
is "$(state 2):$(built ffl)" "remaining:none" "struck and postponed criteria set no version"

reset_built
criteria TASK-357 "Roll out ffl from version 0.1.11 to version 0.1.18" "Build all remaining ffl containers"
run_json TASK-357 --only 2
is "$(state 1):$(built ffl)" "completed:0.1.18" "\"from version 0.1.11 to version 0.1.18\": the target, not the old one"

# A commit id counts only on a line saying it is the project's.
reset_built
task TASK-355 "$(printf '## Notes\n\n- MidwestMTG build should follow the plan from 1a2b3c4d\n\n## Acceptance Criteria\n\n- [ ] Build all remaining midwestmtg containers\n')"
run_json TASK-355
is "$(state 0):$(built midwestmtg)" "remaining:none" "a hex word in a sentence is no version"
like "$(reason 0)" "the task names no version for midwestmtg" "... the reason says none was found"
for line in "midwestmtg: commit 1a2b3c4d" "MidwestMTG version: 1a2b3c4d" "1. **MidwestMTG** at 1a2b3c4d"; do
    reset_built
    task TASK-356 "$(printf '## Notes\n\n%s\n\n## Acceptance Criteria\n\n- [ ] Build all remaining midwestmtg containers\n' "$line")"
    run_json TASK-356
    is "$(state 0):$(built midwestmtg)" "completed:1a2b3c4d" "\"$line\": the commit id is the version"
done

done_testing
