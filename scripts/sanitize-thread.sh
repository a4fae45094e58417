#!/bin/sh
# The thread and fork stress tests against a ThreadSanitizer build (make stress runs it):
#   scripts/sanitize-thread.sh TSAN_BUILD STRESS_TEST
# TSAN_BUILD holds libtryagain.so and tests/programs/stress_client built with -fsanitize=thread;
# STRESS_TEST is the (uninstrumented) test runner. Any ThreadSanitizer report fails the run,
# also one from a forked child whose exit status the test did not look at.
set -eu

build=$(cd "${1:?usage: sanitize-thread.sh TSAN_BUILD STRESS_TEST}" && pwd)
stress_test=${2:?usage: sanitize-thread.sh TSAN_BUILD STRESS_TEST}
report_dir=$(mktemp -d /tmp/tryagain-tsan-XXXXXX)
trap 'rm -rf "$report_dir"' EXIT

tsan=$(readlink -f "$(${CC:-cc} -print-file-name=libtsan.so)")
if [ ! -e "$tsan" ]; then
    echo "sanitize-thread: libtsan.so not found (install gcc's sanitizer runtimes)" >&2
    exit 1
fi

# The runtime first, as TSan wants; libcurl itself is not instrumented, so only races that
# involve the library's own code (or the program's) are reported.
export TRYAGAIN_TEST_PRELOAD_FIRST="$tsan"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:log_path=$report_dir/tsan"
export TRYAGAIN_BUILD="$build"
export TRYAGAIN_STRESS_GROUP=threads

status=0
echo "== $stress_test (ThreadSanitizer build in $build)"
"$stress_test" || status=1

reports=$(grep -l -E 'WARNING: ThreadSanitizer|ERROR: ThreadSanitizer' "$report_dir"/* \
    2>/dev/null || true)
if [ -n "$reports" ]; then
    for report in $reports; do
        echo "== ThreadSanitizer report $report"
        cat "$report"
    done
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "stress under ThreadSanitizer: FAILED"
    exit 1
fi
echo "stress under ThreadSanitizer: passed, no report"
