#!/bin/sh
# bench/callgrind_split.sh [BUILD] [CORPUS] [OUT]: instruction counts of a
# `partnerfit run -q --jobs 1` under callgrind, one profile per process
# (watcher, supervisor, worker), with the total and the per-intake figure of
# each. Links the build's libpfcore.a against the static Lua, libyaml and
# libcsv so that the profile names their internal functions. For the
# issue-16 measurements; bench/run.sh --profile is the benchmark's own.
set -eu
BUILD=${1:-build-bench}
CORPUS=${2:-/tmp/pfb/c2k}
OUT=${3:-/tmp/pf-callgrind}
CC=${CC:-cc}
rm -rf "$OUT"
mkdir -p "$OUT"
PFP=$OUT/partnerfit-static
# shellcheck disable=SC2046
$CC -std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DPF_VERSION='"profile"' \
    -Iengine $(pkg-config --cflags lua5.4) -o "$PFP" engine/pf_main.c "$BUILD/libpfcore.a" \
    -Wl,-Bstatic -llua5.4 -lyaml -lcsv -Wl,-Bdynamic $(pkg-config --libs nettle) -lpthread -lm -ldl
N=$(find "$CORPUS" -name '*.yaml' | wc -l)
valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$OUT/cg.%p" \
    "$PFP" run -q --jobs 1 --out "$OUT/reports" "$CORPUS" >"$OUT/valgrind.log" 2>&1 || true
for f in "$OUT"/cg.*; do
    tot=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    printf '%s %s instructions, %s per intake\n' "$f" "$tot" "$((tot / N))"
done
