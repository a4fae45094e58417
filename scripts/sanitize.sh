#!/bin/sh
# Runs what `make sanitize` built (BUILD, default build-sanitize): the unit tests, then the
# integration suite with the ASan and UBSan runtimes preloaded ahead of the library, so that
# uninstrumented programs (/usr/bin/curl, wget, python3) run the instrumented library.
# Every sanitizer report is written to a file of its own and any report fails the run, also
# one from a child process whose exit status a test did not look at.
set -eu

build=$(cd "${1:-build-sanitize}" && pwd)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
. "$source_dir/scripts/lib/sanitizer_reports.sh"
sanitizer_reports_init sanitize
asan=$(sanitizer_runtime libasan.so)
ubsan=$(sanitizer_runtime libubsan.so)

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

# The suites the sources name, not whatever the build folder holds (the .d files next to each
# binary, a binary left by a test since renamed).
suites=0
for suite in unit integration; do
    for source in "$source_dir"/tests/$suite/test_*.c; do
        test="$build/tests/$suite/$(basename "$source" .c)"
        sanitizer_run_suite "$test"
        suites=$((suites + 1))
    done
done
if [ "$suites" -eq 0 ]; then
    echo "sanitize: no test source found under $source_dir/tests"
    status=1
fi
sanitizer_collect_reports 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "sanitizer report"
sanitizer_finish "sanitize: FAILED" "sanitize: every test passed, no sanitizer report"
