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
    would_not=$(jq '[.criteria[]|select(.state=="remaining" and (.would_complete|not))]|length' <<<"$out")
    is "$rc" "$([ "$would_not" -eq 0 ] && echo 0 || echo 1)" "$name: dry run exits 1 exactly when a criterion would not complete ($would_not)"
    unticked=$(jq -r '.criteria[]|select(.would_complete and ((.evidence|length)==0 or any(.evidence[]; (.ok or .after_action)|not)))|.index' <<<"$out")
    is "$unticked" "" "$name: every criterion that would complete has evidence that holds or waits for the action"
    unnamed=$(jq -r '.criteria[]|select(.state=="remaining")|select(.rule == null and (.blocked|not) and ((.reason // "")|startswith("needs a person")|not))|.index' <<<"$out")
    is "$unnamed" "" "$name: every open criterion has a rule, is blocked, or needs a person"
    ok "$name: untouched" cmp "$T/$name/tasks/active/$name" "$T/$name.orig"
    ok "$name: nothing written beside it" test ! -e "$T/$name/.infraexec"
    echo "# $name: $(jq -r '[.criteria[]|select(.rule)]|length' <<<"$out") with a rule, $(jq -r '[.criteria[]|select(.blocked)]|length' <<<"$out") blocked, $(jq -r '[.criteria[]|select((.reason // "")|startswith("needs a person"))]|length' <<<"$out") need a person"
done

done_testing
