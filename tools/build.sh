#!/bin/sh
# build.sh - generate the makefiles and build the given configurations
# (default: release).  Uses premake5 when it is on PATH, else premake4.
set -eu
cd "$(dirname "$0")/.."
if command -v premake5 >/dev/null 2>&1; then
    premake5 --file=premake5.lua gmake >/dev/null
else
    premake4 --file=premake5.lua gmake >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
for cfg in "${@:-release}"; do
    make -s -C build config="$cfg" -j"$jobs"
done
