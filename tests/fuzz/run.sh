#!/bin/sh
# Builds the libFuzzer harnesses with clang in build-fuzz and runs each for
# SECONDS (default 60); fails on any crash, leak, sanitizer report, timeout
# or broken contract. Usage: sh tests/fuzz/run.sh [SECONDS]
#
# Seeds: samples/ and tests/fuzz/seeds/intake for fuzz_intake; rules/ and
# tests/fuzz/seeds/rules for fuzz_rules; tests/fuzz/seeds/isolation for
# fuzz_isolation (its input drives a generator of stateful rule files). What the fuzzers learn goes to
# build-fuzz/corpus/NAME (kept between runs); a crashing input is written
# to build-fuzz/artifacts/ and its path printed. Environment:
#   PF_FUZZ_BUILD  build folder (default build-fuzz)
#   PF_FUZZ_ONLY   intake, rules or isolation (or a list): run those only
#   PF_FUZZ_ARGS   extra libFuzzer flags (e.g. -jobs=2 -workers=2)
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=${PF_FUZZ_BUILD:-build-fuzz}
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang not found" >&2; exit 2; }
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/log"; then
    cat "$probe/log" >&2
    echo "fuzz: clang cannot link libFuzzer targets (Debian: libclang-rt-14-dev)" >&2
    rm -rf "$probe"
    exit 2
fi
rm -rf "$probe"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPF_FUZZ=ON -DPF_WERROR=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target fuzz_intake fuzz_rules fuzz_isolation
mkdir -p "$build/artifacts"
# known engine bugs are listed (with # BUG:) in ubsan.supp; anything else halts
UBSAN_OPTIONS="suppressions=$PWD/tests/fuzz/ubsan.supp:halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export UBSAN_OPTIONS
status=0
for h in ${PF_FUZZ_ONLY:-intake rules isolation}; do
    case $h in
    intake) seeds="samples tests/fuzz/seeds/intake" ;;
    rules) seeds="rules tests/fuzz/seeds/rules" ;;
    isolation) seeds="tests/fuzz/seeds/isolation" ;;
    *) echo "fuzz: unknown harness '$h'" >&2; exit 2 ;;
    esac
    corpus=$build/corpus/$h
    mkdir -p "$corpus"
    log=$build/fuzz_$h.log
    echo "== fuzz_$h for ${seconds}s (log: $log)"
    set +e
    # shellcheck disable=SC2086
    "$build/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        $([ -f "tests/fuzz/$h.dict" ] && echo "-dict=tests/fuzz/$h.dict") -artifact_prefix="$build/artifacts/${h}-" \
        -print_final_stats=1 ${PF_FUZZ_ARGS:-} "$corpus" $seeds >"$log" 2>&1
    rc=$?
    set -e
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$log" || true
    if [ "$rc" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error:)' "$log"; then
        echo "FAIL: fuzz_$h (exit $rc); the end of $log:" >&2
        tail -n 40 "$log" >&2
        status=1
    else
        echo "ok - fuzz_$h ran ${seconds}s without a finding"
    fi
done
exit $status
