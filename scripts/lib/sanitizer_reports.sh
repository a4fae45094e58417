# Shared by scripts/sanitize.sh (ASan and UBSan) and scripts/sanitize-thread.sh (TSan), which
# source it (POSIX sh, under set -eu): where the sanitizers write their reports, where their
# runtimes are, how a suite is run, and how the run ends. A report fails the run even when every
# test passed: it may come from a child process whose exit status no test looked at.
#   sanitizer_reports_init NAME        a fresh report directory, $report_dir, removed at exit
#   sanitizer_runtime FILE             the absolute path of gcc's runtime FILE (libasan.so...)
#   sanitizer_run_suite BINARY [NOTE]  runs BINARY; a failure sets $status and prints one line
#   sanitizer_collect_reports PATTERN LABEL
#                                      prints every report file matching PATTERN; sets $status
#   sanitizer_finish FAILED_TEXT PASSED_TEXT
#                                      the closing line; exits 1 when anything failed

# Messages are prefixed with the script's name: "sanitize: ...", "sanitize-thread: ...".
sanitizer_tool=$(basename "$0" .sh)
status=0

sanitizer_reports_init() {
    report_dir=$(mktemp -d "/tmp/tryagain-$1-XXXXXX")
    trap 'rm -rf "$report_dir"' EXIT
}

# cc prints the name back unchanged when it has no such file.
sanitizer_runtime() {
    sanitizer_path=$(${CC:-cc} -print-file-name="$1")
    if [ ! -e "$sanitizer_path" ] || [ "$sanitizer_path" = "$1" ]; then
        echo "$sanitizer_tool: $1 not found (install gcc's sanitizer runtimes)" >&2
        exit 1
    fi
    readlink -f "$sanitizer_path"
}

# The same two lines as the Makefile's run_suite, which scripts/check.sh counts: "== BINARY"
# before, and "== BINARY: FAILED (exit status N)" after a non-zero exit, so that a binary that
# dies before its summary (a crash, a sanitizer's exit code) is counted as a failure.
sanitizer_run_suite() {
    echo "== $1${2:+ $2}"
    "$1" || { echo "== $1: FAILED (exit status $?)"; status=1; }
}

sanitizer_collect_reports() {
    sanitizer_reports=$(grep -l -E "$1" "$report_dir"/* 2>/dev/null || true)
    [ -n "$sanitizer_reports" ] || return 0
    for report in $sanitizer_reports; do
        echo "== $2 $report"
        cat "$report"
    done
    status=1
}

sanitizer_finish() {
    if [ "$status" -ne 0 ]; then
        echo "$1"
        exit 1
    fi
    echo "$2"
}
