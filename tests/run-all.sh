#!/bin/sh
# The whole test suite, as the README and CI run it: a normal build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build, each with every CTest
# test (unit, end-to-end, golden, rule-pack lint).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPF_SANITIZE=ON
cmake --build build-asan -j"$jobs"
echo "== sanitizer build (ASan + UBSan)"
ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "== release build"
ctest --test-dir build --output-on-failure -j"$jobs"
