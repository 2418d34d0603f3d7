#!/bin/sh
# The whole test suite, as the README and CI run it: a normal build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build, each with every CTest
# test (unit, end-to-end, golden, rule-pack lint).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# BUILD_TESTING on: the README's first command configures build/ without tests
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPF_SANITIZE=ON -DBUILD_TESTING=ON
cmake --build build-asan -j"$jobs"
echo "== sanitizer build (ASan + UBSan)"
ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "== release build"
ctest --test-dir build --output-on-failure -j"$jobs"
# libFuzzer harnesses (tests/fuzz): a bounded run of each, where clang is here
if command -v clang >/dev/null 2>&1; then
    echo "== fuzzers (${PF_FUZZ_SECONDS:-60}s each)"
    sh tests/fuzz/run.sh "${PF_FUZZ_SECONDS:-60}"
else
    echo "== fuzzers: skipped (clang not installed)"
fi
