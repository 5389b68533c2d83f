#!/bin/bash
# --dry-run on every real task file: each unchecked criterion is either
# taken by a named rule, reported blocked, or "needs a person" -- and the
# file is left as it was.
. "$(dirname "$0")/../lib.sh"

for f in "$CORPUS"/TASK-*.md; do
    name=$(basename "$f")
    mkdir -p "$T/$name/tasks/active"
    cp "$f" "$T/$name/tasks/active/"
    sed -i 's/^- \[x\]/- [ ]/' "$T/$name/tasks/active/$name" # everything open again
    cp "$T/$name/tasks/active/$name" "$T/$name.orig"
    ix run "$T/$name/tasks/active/$name" --dry-run --json -q
    is "$rc" 0 "$name: dry run exits 0"
    unnamed=$(jq -r '.criteria[]|select(.state=="remaining")|select(.rule == null and (.blocked|not) and ((.reason // "")|startswith("needs a person")|not))|.index' <<<"$out")
    is "$unnamed" "" "$name: every open criterion has a rule, is blocked, or needs a person"
    ok "$name: untouched" cmp "$T/$name/tasks/active/$name" "$T/$name.orig"
    ok "$name: nothing written beside it" test ! -e "$T/$name/.infraexec"
    echo "# $name: $(jq -r '[.criteria[]|select(.rule)]|length' <<<"$out") with a rule, $(jq -r '[.criteria[]|select(.blocked)]|length' <<<"$out") blocked, $(jq -r '[.criteria[]|select((.reason // "")|startswith("needs a person"))]|length' <<<"$out") need a person"
done

done_testing
