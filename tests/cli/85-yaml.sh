#!/bin/bash
# infraexec yaml get/set: a format-preserving yq for scripts and people.
. "$(dirname "$0")/../lib.sh"

cat >"$T/hr.yaml" <<'YAML'
---
# first document
kind: ConfigMap
data: {a: "1"}
---
# FFL release
kind: HelmRelease
spec:
  values:

    image:
      tag: 0.1.17   # bumped by release tasks
    workers:
    - name: a
      image: {repository: x, tag: '0.1.17'}
YAML
cp "$T/hr.yaml" "$T/orig.yaml"
ix yaml get "$T/hr.yaml" spec.values.image.tag --doc 1
is "$out" "0.1.17" "get from the second document"
ix yaml set "$T/hr.yaml" spec.values.workers.0.image.tag 0.1.18 --doc 1 --dry-run
like "$out" "-      image: {repository: x, tag: '0.1.17'}" "dry run prints the diff"
like "$out" "+      image: {repository: x, tag: '0.1.18'}" "... with the quoted value kept quoted"
ok "dry run leaves the file alone" cmp "$T/hr.yaml" "$T/orig.yaml"
ix yaml set "$T/hr.yaml" spec.values.image.tag 0.1.18 --doc 1
is "$rc" 0 "set"
is "$(diff "$T/orig.yaml" "$T/hr.yaml" | grep -c '^[<>]')" 2 "exactly one line changed"
like "$(cat "$T/hr.yaml")" "      tag: 0.1.18   # bumped by release tasks" "comment and spacing kept"
ix yaml set "$T/hr.yaml" spec.values.missing x --doc 1
is "$rc" 2 "missing path: exit 2"
like "$err" "$T/hr.yaml: path 'spec.values.missing': no key 'missing'" "missing path named with the file"
ix yaml get "$T/hr.yaml" kind --doc 5
is "$rc" 2 "document out of range: exit 2"
ix yaml frob "$T/hr.yaml" kind
is "$rc" 2 "unknown yaml verb: exit 2"

done_testing
