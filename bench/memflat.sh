#!/bin/sh
# bench/memflat.sh - is partnerfit's memory flat in the number of intakes?
# (issue 16: peak RSS the same, within 10 %, at 20,000 and 1,000,000
# intakes, and under 64 MB). A benchmark, not a test: it prints figures
# and a verdict, and exits 0 unless it could not build or run.
#
#   sh bench/memflat.sh [--sizes "20000 1000000"] [--seed S] [--jobs N]
#                       [--no-incremental] [--work DIR] [--keep]
#
# For each size: generates a corpus with bench/gen_intakes.c (the one
# bench/run.sh uses), then measures on it
#   plain        partnerfit run -q --jobs N (a fresh output folder)
#   incremental  partnerfit run -q --jobs N --incremental (a fresh folder:
#                everything evaluated, the state written)
#   rerun        the same again: every intake reused from the state
# Each line gives wall time, intakes/s, the peak RSS of the largest single
# process (the supervisor: ru_maxrss through bench/runstat.c, exact) and
# the peak of the whole process tree (watcher, supervisor, workers),
# sampled every 0.2 s from /proc: summed RSS (shared pages counted once
# per process) and summed PSS (shared pages split between them).
# Needs: cc, cmake, ps. 1,000,000 intakes take about 4 GB of corpus and
# 20 GB of reports (40 GB while the rerun replaces them); the reports of
# each size are removed once measured, the corpora at the end (--keep
# keeps them).
set -eu

SIZES="20000 1000000"
SEED=5
JOBS=2
INCREMENTAL=1
KEEP=0
WORK=${TMPDIR:-/tmp}/partnerfit-memflat

usage() {
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "memflat: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --sizes) [ $# -ge 2 ] || die "$1 needs a value"; SIZES=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "$1 needs a value"; SEED=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || die "$1 needs a value"; JOBS=$2; shift 2 ;;
    --work) [ $# -ge 2 ] || die "$1 needs a value"; WORK=$2; shift 2 ;;
    --no-incremental) INCREMENTAL=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
for n in $SIZES $SEED $JOBS; do
    case $n in '' | *[!0-9]*) die "not a whole number: '$n'" ;; esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$ROOT/build-memflat
TOOLS=$BUILD/tools
mkdir -p "$WORK" "$TOOLS"
echo "memflat: building partnerfit (Release) in build-memflat/" >&2
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DPF_WERROR=OFF \
    >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log" >&2; die "cmake failed"; }
cmake --build "$BUILD" -j2 >>"$WORK/cmake.log" 2>&1 || { tail -30 "$WORK/cmake.log" >&2; die "build failed"; }
CC=${CC:-cc}
$CC -std=c11 -O2 -o "$TOOLS/gen_intakes" bench/gen_intakes.c || die "cannot build the generator"
$CC -std=c11 -O2 -o "$TOOLS/runstat" bench/runstat.c || die "cannot build runstat"
PF=$BUILD/partnerfit

# tree_peak PID FILE: until PID ends, sums RSS and PSS (kB) over PID and
# its descendants every 0.2 s; writes the peaks to FILE.
tree_peak() {
    root=$1 peakfile=$2 maxrss=0 maxpss=0
    while kill -0 "$root" 2>/dev/null; do
        pids=$(ps -e -o pid=,ppid= | awk -v r="$root" '
            {p[$1] = $2}
            END {for (x in p) {y = x; while (y && y != r && y in p) y = p[y]; if (y == r) print x}}')
        # shellcheck disable=SC2086
        set -- $(for p in $pids; do
            awk '/^Rss:/ {r = $2} /^Pss:/ {s = $2} END {print r + 0, s + 0}' "/proc/$p/smaps_rollup" 2>/dev/null
        done | awk '{r += $1; s += $2} END {print r + 0, s + 0}')
        [ "${1:-0}" -gt "$maxrss" ] && maxrss=$1
        [ "${2:-0}" -gt "$maxpss" ] && maxpss=$2
        sleep 0.2
    done
    echo "$maxrss $maxpss" >"$peakfile"
}

# measure NAME N OUT [OPTIONS]: one partnerfit run on the corpus; appends
# a line to $WORK/results.
measure() {
    name=$1 n=$2 out=$3
    shift 3
    stat=$WORK/stat.$$ tree=$WORK/tree.$$
    : >"$stat"
    "$TOOLS/runstat" "$stat" "$PF" run -q --jobs "$JOBS" --out "$out" "$@" "$CORPUS" \
        2>"$WORK/$name-$n.err" &
    rs=$!
    child=
    while [ -z "$child" ] && kill -0 "$rs" 2>/dev/null; do
        child=$(ps -o pid= --ppid "$rs" | head -1 | tr -d ' ')
    done
    if [ -n "$child" ]; then tree_peak "$child" "$tree"; else echo "0 0" >"$tree"; fi
    wait "$rs" || true
    read -r _ wall _ _ _ _ _ maxrss _ code <"$stat"
    read -r trss tpss <"$tree"
    case $code in 0 | 1) ;; *) echo "memflat: $name at $n exited $code (see $WORK/$name-$n.err)" >&2 ;; esac
    rate=$(awk -v n="$n" -v w="$wall" 'BEGIN {printf "%.0f", (w > 0 ? n / w : 0)}')
    printf '%-12s %9s %9.1f %8s %9.1f %9.1f %9.1f\n' "$name" "$n" "$wall" "$rate" \
        "$(awk -v k="$maxrss" 'BEGIN {print k / 1024}')" "$(awk -v k="$trss" 'BEGIN {print k / 1024}')" \
        "$(awk -v k="$tpss" 'BEGIN {print k / 1024}')" | tee -a "$WORK/results"
    rm -f "$stat" "$tree"
}

: >"$WORK/results"
printf '%-12s %9s %9s %8s %9s %9s %9s\n' run intakes wall_s per_s max_MB tree_MB tree_pss_MB
for n in $SIZES; do
    CORPUS=$WORK/corpus-$n-s$SEED
    if [ ! -f "$CORPUS/.done" ]; then
        echo "memflat: generating $n intakes in $CORPUS" >&2
        rm -rf "$CORPUS"
        "$TOOLS/gen_intakes" -n "$n" -s "$SEED" -o "$CORPUS" >/dev/null || die "the generator failed"
        : >"$CORPUS/.done"
    fi
    cat "$CORPUS"/b0000/* >/dev/null 2>&1 || true
    rm -rf "$WORK/out-$n"
    measure plain "$n" "$WORK/out-$n"
    rm -rf "$WORK/out-$n"
    if [ "$INCREMENTAL" = 1 ]; then
        measure incremental "$n" "$WORK/out-$n" --incremental
        measure rerun "$n" "$WORK/out-$n" --incremental
        rm -rf "$WORK/out-$n"
    fi
    [ "$KEEP" = 1 ] || rm -rf "$CORPUS"
done

# the verdict: each kind of run at the largest size against the smallest
small=$(echo "$SIZES" | awk '{print $1}')
large=$(echo "$SIZES" | awk '{print $NF}')
echo
for name in plain incremental rerun; do
    awk -v name="$name" -v s="$small" -v l="$large" '
        $1 == name && $2 == s {a = $5; ta = $7}
        $1 == name && $2 == l {b = $5; tb = $7}
        END {
            if (a == "" || b == "") exit
            r = b / a; rt = tb / ta
            printf "%-12s largest process %.1f -> %.1f MB (x%.2f), tree PSS %.1f -> %.1f MB (x%.2f): %s\n",
                name, a, b, r, ta, tb, rt,
                ((r <= 1.10 && r >= 0.90 && b < 64) ? "PASS (within 10 %, under 64 MB)" : "FAIL")
        }' "$WORK/results"
done
