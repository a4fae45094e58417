#!/bin/sh
# The thread and fork stress tests against a ThreadSanitizer build (make stress runs it):
#   scripts/sanitize-thread.sh TSAN_BUILD STRESS_TEST
# TSAN_BUILD holds libtryagain.so and tests/programs/stress_client built with -fsanitize=thread;
# STRESS_TEST is the (uninstrumented) test runner. Any ThreadSanitizer report fails the run,
# also one from a forked child whose exit status the test did not look at.
set -eu

build=$(cd "${1:?usage: sanitize-thread.sh TSAN_BUILD STRESS_TEST}" && pwd)
stress_test=${2:?usage: sanitize-thread.sh TSAN_BUILD STRESS_TEST}
. "$(dirname "$0")/lib/sanitizer_reports.sh"
sanitizer_reports_init tsan
tsan=$(sanitizer_runtime libtsan.so)

# The runtime first, as TSan wants; libcurl itself is not instrumented, so only races that
# involve the library's own code (or the program's) are reported.
export TRYAGAIN_TEST_PRELOAD_FIRST="$tsan"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:log_path=$report_dir/tsan"
export TRYAGAIN_BUILD="$build"
export TRYAGAIN_STRESS_GROUP=threads

sanitizer_run_suite "$stress_test" "(ThreadSanitizer build in $build)"
sanitizer_collect_reports 'WARNING: ThreadSanitizer|ERROR: ThreadSanitizer' "ThreadSanitizer report"
sanitizer_finish "stress under ThreadSanitizer: FAILED" "stress under ThreadSanitizer: passed, no report"
