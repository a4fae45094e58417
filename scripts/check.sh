#!/usr/bin/env bash
# Every test, from a fresh clone: install what is missing, build, then
#   make format-check  every C file matches .clang-format (first: it takes a second)
#   make check         unit tests, and real programs under LD_PRELOAD against local servers
#   make sanitize      the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   make stress        threads, fork, late dlopen, constructors, another preload; ThreadSanitizer
#   make valgrind      curl, the test programs, pycurl and wget under memcheck
#   make fuzz          a short run of every libFuzzer target
# Pass target names to run only those (scripts/check.sh check).
#
# Every target runs even when an earlier one failed. The closing line, "N passed, M failed",
# counts cmocka tests and fuzz targets; a test binary that failed without a failed test of its
# own (a crash, a sanitizer's exit code) counts as one failure, and so does a target that failed
# without any of these (format-check, a sanitizer report, a build error). A target with
# nothing to count counts as one. The lines before it name what failed; the exit status is 1
# when anything did.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -j"$(nproc)" all
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(format-check check sanitize stress valgrind fuzz)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Reads one target's output; prints "count PASSED FAILED", then one "why TEXT" line per failure.
# The lines it knows: "== BINARY" and "== BINARY: FAILED (exit status N)" (the Makefile's
# run_suite, scripts/lib/sanitizer_reports.sh), cmocka's summary, scripts/fuzz.sh's lines per
# target, and the sanitizer scripts' "== ... report FILE".
count_target() { # STATUS LOG
    awk -v status="$1" '
    function signal_name(n) {
        return n == 6 ? "SIGABRT" : n == 7 ? "SIGBUS" : n == 8 ? "SIGFPE" : n == 9 ? "SIGKILL" : \
               n == 11 ? "SIGSEGV" : n == 15 ? "SIGTERM" : "signal " n
    }
    function died(code) {
        return code > 128 ? "killed by " signal_name(code - 128) " (exit status " code ")" \
                          : "exit status " code
    }
    /^== .*: FAILED \(exit status [0-9]+\)$/ {
        name = $0; sub(/^== /, "", name); sub(/: FAILED \(exit status [0-9]+\)$/, "", name)
        code = $NF; sub(/\)$/, "", code)
        if (!(name in seen)) { seen[name] = 1; order[++suites] = name }
        exit_code[name] = code
        next
    }
    /^== (sanitizer|ThreadSanitizer) report / { reports++; next }
    # Only a test binary starts a section: tests print other "== " lines (valgrind reports).
    /^== [^ ]*\/test_[^ \/]*( \(.*\))?$/ {
        suite = $2; if (!(suite in seen)) { seen[suite] = 1; order[++suites] = suite }; next
    }
    /^\[  PASSED  \] [0-9]+ test\(s\)\./ { passed += $4; next }
    /^\[  FAILED  \] [0-9]+ test\(s\), listed below:/ { listed[suite] += $4; listing = 1; next }
    # Tests in error (a failed setup) are in this total, not in the "listed below" one.
    /^ [0-9]+ FAILED TEST\(S\)$/ { total[suite] += $1; listing = 0; next }
    listing && /^\[  FAILED  \] / { names[suite] = names[suite] " " $4; next }
    /^fuzz: [^ ]+ FAILED / { failed++; line = $0; sub(/^fuzz: /, "", line); why[++whys] = "fuzz target " line; next }
    /^fuzz: [^ ]+ +[0-9]+s .* executions / { passed++; next }
    !first_error && /(error:|\*\*\*)/ { first_error = $0 }
    END {
        for (i = 1; i <= suites; i++) {
            s = order[i]
            n = total[s] > listed[s] ? total[s] : listed[s]
            if (n > 0) {
                failed += n
                why[++whys] = s ": " n " failed test(s):" names[s]
            } else if (s in exit_code) {
                failed++
                why[++whys] = s ": " died(exit_code[s]) " without a failed test (it died before its summary, or failed in a setup or at exit)"
            }
        }
        if (status != 0 && failed == 0) {
            failed = 1
            if (reports)
                why[++whys] = reports " sanitizer report(s), printed above"
            else
                why[++whys] = "exit status " status (first_error ? "; first error: " first_error : "")
        }
        if (status == 0 && passed == 0 && failed == 0)
            passed = 1
        print "count", passed + 0, failed + 0
        for (i = 1; i <= whys; i++)
            print "why", why[i]
    }' "$2"
}

total_passed=0
total_failed=0
failed_targets=()
failures=()
for target in "${targets[@]}"; do
    echo "==== make $target"
    log="$logs/$target.log"
    started=$SECONDS
    status=0
    make "$target" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
    passed=0
    failed=0
    while read -r kind rest; do
        case $kind in
        count) read -r passed failed <<<"$rest" ;;
        why) failures+=("make $target: $rest") ;;
        esac
    done < <(count_target "$status" "$log")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    verdict=passed
    if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
        verdict="FAILED (exit status $status)"
        failed_targets+=("$target")
    fi
    echo "==== make $target: $verdict, $passed passed, $failed failed, $((SECONDS - started)) s"
done

echo "==== make ${targets[*]}: done in $SECONDS s"
for failure in "${failures[@]+"${failures[@]}"}"; do
    echo "FAILED $failure"
done
if [ ${#failed_targets[@]} -gt 0 ]; then
    echo "==== failed targets: ${failed_targets[*]}"
else
    echo "==== all passed"
fi
echo "$total_passed passed, $total_failed failed"
[ ${#failed_targets[@]} -eq 0 ]
