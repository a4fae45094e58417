#!/usr/bin/env bash
# Every test, from a fresh clone: install what is missing, build, then
#   make check      unit tests, and real programs under LD_PRELOAD against local servers
#   make sanitize   the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   make stress     threads, fork, late dlopen, constructors, another preload; ThreadSanitizer
#   make valgrind   curl, the test programs, pycurl and wget under memcheck
#   make fuzz       a short run of every libFuzzer target
# Pass target names to run only those (scripts/check.sh check).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -j"$(nproc)" all
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(check sanitize stress valgrind fuzz)
for target in "${targets[@]}"; do
    echo "==== make $target"
    make "$target"
done
echo "==== all passed: ${targets[*]}"
