#!/bin/bash
# list over many files: each is read for its frontmatter and criteria and
# freed at once, so memory does not grow with the tree; the JSON is the
# array it always was.
. "$(dirname "$0")/../lib.sh"

# release build, as in 70-lua: ASan's allocator would blur the figure
IXR=$IX_ROOT/bin/infraexec
mk_tree() { # DIR COPIES
    mkdir -p "$1"/{active,backlog,completed}
    local i=0 f d
    for ((k = 0; k < $2; k++)); do
        for f in "$CORPUS"/TASK-00[2-8].md; do
            i=$((i + 1)); d=(active backlog completed)
            sed "s/^id: .*/id: T$i/" "$f" >"$1/${d[i % 3]}/T$i.md"
        done
    done
}
mk_tree "$T/one" 1
mk_tree "$T/many" 150
rss() { "$IX_ROOT/bin/maxrss" "$IXR" list --json --tasks-dir "$1" 2>&1 >"$T/list.json" |
    sed -n 's/^maxrss_kib //p'; }
small=$(rss "$T/one")
big=$(rss "$T/many")
echo "# peak RSS: list --json over 7 files ${small} KiB, over 1050 files (10 MiB) ${big} KiB"
ok "1050 files grow list's peak RSS by less than 4 MiB (${small} -> ${big} KiB)" \
    test $((big - small)) -lt 4096
ix list --json --tasks-dir "$T/one"
one=$out
is "$(jq length "$T/list.json")" "$(($(jq length <<<"$one") * 150))" "every task listed"
is "$(jq '[.[].total] | add' "$T/list.json")" "$(($(jq '[.[].total] | add' <<<"$one") * 150))" \
    "criteria counted as in the single copies"
is "$(jq -c 'map(.priority | ascii_downcase) | map({"critical":0,"high":1,"medium":2,"low":3}[.] // 4)' "$T/list.json" | jq -c '. == sort')" \
    true "sorted by priority"
is "$(jq -r 'group_by(.priority) | map(map(.id) | . == sort) | all' "$T/list.json")" true \
    "then by id"
ix list --json --tasks-dir "$T/many" --status no-such-status
is "$out" "[]" "an empty list is []"
done_testing
