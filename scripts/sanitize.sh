#!/bin/sh
# Runs what `make sanitize` built (BUILD, default build-sanitize): the unit tests, then the
# integration suite with the ASan and UBSan runtimes preloaded ahead of the library, so that
# uninstrumented programs (/usr/bin/curl, wget, python3) run the instrumented library.
# Every sanitizer report is written to a file of its own and any report fails the run, also
# one from a child process whose exit status a test did not look at.
set -eu

build=$(cd "${1:-build-sanitize}" && pwd)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
report_dir=$(mktemp -d /tmp/tryagain-sanitize-XXXXXX)
trap 'rm -rf "$report_dir"' EXIT

runtime_path() {
    path=$(${CC:-cc} -print-file-name="$1")
    if [ ! -e "$path" ] || [ "$path" = "$1" ]; then
        echo "sanitize: $1 not found (install gcc's sanitizer runtimes)" >&2
        exit 1
    fi
    readlink -f "$path"
}
asan=$(runtime_path libasan.so)
ubsan=$(runtime_path libubsan.so)

# verify_asan_link_order=0: the library is preloaded into instrumented test programs too, and
# ASan would refuse to start when anything but itself comes first.
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:verify_asan_link_order=0:detect_leaks=1:log_path=$report_dir/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$report_dir/ubsan"
export LSAN_OPTIONS="suppressions=$source_dir/scripts/sanitize-lsan.supp:print_suppressions=0"
# asan_initfirst.so right after the runtime: without it /usr/bin/curl and wget hang in
# setlocale() on Debian 12 (tests/stress/asan_initfirst.c says why).
export TRYAGAIN_TEST_PRELOAD_FIRST="$asan $build/asan_initfirst.so $ubsan"
export TRYAGAIN_BUILD="$build"
# Debian's python3 first: a pyenv-style shim is a chain of shell scripts, each paying the ASan
# start-up cost, which makes the timed connect() tests miss their window.
export PATH="/usr/bin:/bin:$PATH"

status=0
# test_* also matches the .d files the compiler writes beside each binary: binaries only.
is_test() { case "$1" in *.d) return 1 ;; esac; [ -x "$1" ]; }

for test in "$build"/tests/unit/test_*; do
    is_test "$test" || continue
    echo "== $test"
    "$test" || status=1
done
for test in "$build"/tests/integration/test_*; do
    is_test "$test" || continue
    echo "== $test"
    "$test" || status=1
done

reports=$(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
    "$report_dir"/* 2>/dev/null || true)
if [ -n "$reports" ]; then
    for report in $reports; do
        echo "== sanitizer report $report"
        cat "$report"
    done
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "sanitize: FAILED"
    exit 1
fi
echo "sanitize: every test passed, no sanitizer report"
