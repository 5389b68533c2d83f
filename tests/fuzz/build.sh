#!/bin/sh
# tests/fuzz/build.sh - build the libFuzzer targets (tests/fuzz/fuzz_*.c)
# with clang, ASan and UBSan into bin/fuzz/.
#
#   tests/fuzz/build.sh            all targets
#   tests/fuzz/build.sh fuzz_task  only the ones named
#
# Needs clang with libFuzzer (Debian: clang + libclang-rt-<ver>-dev) and the
# development packages of libyaml and cmark.  CC overrides the compiler.
set -eu
cd "$(dirname "$0")/../.."

CC=${CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: $CC not found (install clang and libclang-rt-dev)" >&2
    exit 2
fi

PKGS="yaml-0.1 libcmark"
# PKGS is split on purpose (one pkg-config argument per package).
# shellcheck disable=SC2086
CFLAGS="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -fno-omit-frame-pointer -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude \
 $(pkg-config --cflags $PKGS)"
# shellcheck disable=SC2086
LIBS="$(pkg-config --libs $PKGS)"

# The parts of the core the targets exercise: the base and model layers
# (every file: a split file's new parts come along) and the fileio module
# (src/sys/file*.c, fileio_internal.h); no Lua, curl, libgit2 or jansson.
CORE="$(ls src/base/*.c src/model/*.c src/sys/file*.c | grep -v -e src/model/taskjson.c)"

mkdir -p bin/fuzz
targets=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
for t in $targets; do
    t=${t%.c}
    echo "build.sh: bin/fuzz/$t"
    # shellcheck disable=SC2086
    $CC $CFLAGS -o "bin/fuzz/$t" "tests/fuzz/$t.c" $CORE $LIBS
done
