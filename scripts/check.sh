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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
    echo "==== make $target"
    make "$target" 2>&1 | tee -a "$log"
done
# One closing line over every cmocka suite that ran (fuzz targets report in their own lines).
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | awk '{n += $1} END {print n + 0}')
failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
echo "==== make ${targets[*]}: all passed"
echo "$passed passed, $failed failed"
