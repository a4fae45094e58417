#!/usr/bin/env bash
# The libFuzzer side of `make fuzz` and `make fuzz-long` (mk/fuzz.mk).
#   scripts/fuzz.sh toolchain             install clang and libFuzzer's runtime when missing
#   scripts/fuzz.sh run SECONDS BINARY... fuzz each target for SECONDS, one after another
# Each target starts from its seeds in tests/fuzz/corpus/<target>/ and keeps what it learns in
# build/fuzz/corpus/<target>/ (the seeds in the tree are never written to). A crash, a leak, an
# invariant broken or an input slower than FUZZ_TIMEOUT seconds stops the run with a non-zero
# status and leaves the input in build/fuzz/crashes/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-4096}

# True when the compiler can link a fuzzer with the sanitizers the targets use.
can_build_fuzzers() {
    command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
    local dir
    dir=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$dir/probe.c"
    local ok=0
    "$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$dir/probe" "$dir/probe.c" \
        >/dev/null 2>&1 || ok=1
    rm -rf "$dir"
    return $ok
}

# Debian 12 ships libFuzzer's runtime in libclang-rt-14-dev, which clang-14 only suggests;
# other releases name it after their own LLVM version, so ask apt for what exists.
install_toolchain() {
    can_build_fuzzers && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    echo "fuzz: installing clang and libFuzzer's runtime" >&2
    # Waits for another apt-get on the machine, as scripts/setup.sh does.
    local apt=(apt-get -o DPkg::Lock::Timeout=300)
    $sudo "${apt[@]}" update -qq
    $sudo "${apt[@]}" install -y -qq --no-install-recommends clang >/dev/null
    local version runtime
    version=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
    for runtime in "libclang-rt-$version-dev" "libclang-common-$version-dev"; do
        if apt-cache show "$runtime" >/dev/null 2>&1; then
            $sudo "${apt[@]}" install -y -qq --no-install-recommends "$runtime" >/dev/null
            break
        fi
    done
    can_build_fuzzers || { echo "fuzz: $FUZZ_CC still cannot link -fsanitize=fuzzer" >&2; exit 1; }
}

# libFuzzer's final statistics: "stat::number_of_executed_units: N".
executions_in() {
    sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n1
}

run_target() {
    local seconds=$1 binary=$2
    local target seeds corpus crashes log
    target=$(basename "$binary")
    seeds=tests/fuzz/corpus/$target
    corpus=$FUZZ_BUILD/corpus/$target
    crashes=$FUZZ_BUILD/crashes/$target
    log=$FUZZ_BUILD/logs/$target.log
    mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
    [ -d "$seeds" ] || seeds=""
    local started status=0
    started=$(date +%s)
    # -print_final_stats gives the execution count; the log keeps the rest for a look later.
    "$binary" -max_total_time="$seconds" -timeout="$FUZZ_TIMEOUT" -max_len="$FUZZ_MAX_LEN" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" $seeds >"$log" 2>&1 || status=$?
    local elapsed=$(( $(date +%s) - started ))
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $target FAILED (status $status) after ${elapsed}s; log: $log" >&2
        grep -E 'ERROR|invariant failed|SUMMARY|Test unit written|^artifact' "$log" | head -n 20 >&2 || true
        ls -1 "$crashes" >&2 || true
        return 1
    fi
    printf 'fuzz: %-22s %4ss %10s executions  corpus %s\n' "$target" "$elapsed" \
        "$(executions_in "$log")" "$(ls -1 "$corpus" | wc -l)"
}

run_all() {
    local seconds=$1
    shift
    local failed=0 binary
    for binary in "$@"; do
        run_target "$seconds" "$binary" || failed=1
    done
    return $failed
}

case "${1:-}" in
toolchain) install_toolchain ;;
run)
    shift
    [ $# -ge 2 ] || { echo "usage: $0 run SECONDS BINARY..." >&2; exit 2; }
    run_all "$@"
    ;;
*)
    echo "usage: $0 toolchain | run SECONDS BINARY..." >&2
    exit 2
    ;;
esac
