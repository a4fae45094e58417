#!/usr/bin/env bash
# Success-path overhead of libtryagain.so, each number measured with and without the library
# side by side in one run: keep-alive requests from a libcurl program to a local nginx (wall
# time and callgrind instructions per request), and the exec cost of `curl --version`.
# Prints a markdown section on stdout, progress on stderr.
#   scripts/bench_overhead.sh
# Knobs: BENCH_REQUESTS (10000), BENCH_PAIRS (9), BENCH_CG_LONG (2000), BENCH_CG_SHORT (1000),
#        BENCH_CG_REPEATS (3), BENCH_EXEC_RUNS (200 per side).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh

BUILD=${BUILD:-build}
requests=${BENCH_REQUESTS:-10000}
pairs=${BENCH_PAIRS:-9}
cg_long=${BENCH_CG_LONG:-2000}
cg_short=${BENCH_CG_SHORT:-1000}
cg_repeats=${BENCH_CG_REPEATS:-3}
exec_runs=${BENCH_EXEC_RUNS:-200}

# The library runs at its defaults, and "without" means without.
unset LD_PRELOAD
for variable in $(compgen -e | grep '^TRYAGAIN_' || true); do unset "$variable"; done

bench_need nginx nginx-light
bench_need valgrind valgrind
bench_need hyperfine hyperfine
bench_need curl curl
make -s BUILD="$BUILD" "$BUILD/libtryagain.so" "$BUILD/tests/programs/bench_keepalive" >/dev/null
library=$(cd "$BUILD" && pwd)/libtryagain.so
client=$BUILD/tests/programs/bench_keepalive
work=$(bench_tempdir)
# A private, empty state directory: without it a state file some other run left in /dev/shm
# (a host that throttled once) makes every request pay for a lookup of its host, and the
# numbers would depend on the machine's history.
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR=$work/run

dir=$(bench_tempdir)
port=$(bench_free_port)
bench_nginx_start "$dir" "$port" "" ""
url="http://127.0.0.1:$port/index.html"

# client SIDE COUNT: runs the client with or without the library; prints the loop's seconds.
client() {
    local side=$1 count=$2 out
    if [ "$side" = with ]; then
        out=$(LD_PRELOAD="$library" "$client" "$url" "$count")
    else
        out=$("$client" "$url" "$count")
    fi
    case $out in
        *" connections=1") ;;
        *) echo "bench: expected one keep-alive connection: $out" >&2; return 1 ;;
    esac
    out=${out#seconds=}
    echo "${out%% *}"
}

# --- Wall time: alternate the two sides, each pair in the opposite order of the last.
echo "bench: wall time, $pairs pairs of $requests requests" >&2
client without 500 >/dev/null
client with 500 >/dev/null
withouts=()
withs=()
ratios=()
for i in $(seq "$pairs"); do
    if [ $((i % 2)) -eq 1 ]; then
        without=$(client without "$requests")
        with=$(client with "$requests")
    else
        with=$(client with "$requests")
        without=$(client without "$requests")
    fi
    withouts+=("$without")
    withs+=("$with")
    ratios+=("$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.4f", a / b }')")
done
wall_without=$(bench_median "${withouts[@]}")
wall_with=$(bench_median "${withs[@]}")
wall_ratio=$(bench_median "${ratios[@]}")
ratio_range=$(printf '%s\n' "${ratios[@]}" | sort -g | sed -n '1p;$p' | paste -sd' ')
best_without=$(printf '%s\n' "${withouts[@]}" | sort -g | head -n 1)
best_with=$(printf '%s\n' "${withs[@]}" | sort -g | head -n 1)
best_ratio=$(awk -v a="$best_with" -v b="$best_without" 'BEGIN { printf "%.4f", a / b }')

# --- Instructions under callgrind: deterministic up to a few hundredths of a percent.
# instructions SIDE COUNT: total instructions of one client run under callgrind.
instructions() {
    local side=$1 count=$2 preload=()
    [ "$side" = with ] && preload=(env "LD_PRELOAD=$library")
    "${preload[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$side.$count" \
        "$client" "$url" "$count" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}
# The library is really active under valgrind: its exit summary counts the transfers.
active=$(LD_PRELOAD="$library" TRYAGAIN_STATS=1 valgrind -q --tool=none "$client" "$url" 10 2>&1)
if [[ $active != *"stats: 10 transfers"* ]]; then
    echo "bench: libtryagain.so is not active under valgrind" >&2
    exit 1
fi
echo "bench: callgrind, $cg_long and $cg_short requests, $cg_repeats times each side" >&2
# Each repeat: both sides, long and short runs; instructions per request from each repeat's pair.
per_without=()
per_with=()
for _ in $(seq "$cg_repeats"); do
    for side in without with; do
        long=$(instructions "$side" "$cg_long")
        short=$(instructions "$side" "$cg_short")
        per=$(awk -v l="$long" -v s="$short" -v n=$((cg_long - cg_short)) 'BEGIN { printf "%.0f", (l - s) / n }')
        if [ "$side" = with ]; then per_with+=("$per"); else per_without+=("$per"); fi
    done
done
ir_without=$(bench_median "${per_without[@]}")
ir_with=$(bench_median "${per_with[@]}")
ir_runs="without: $(printf '%s\n' "${per_without[@]}" | paste -sd' '); with: $(printf '%s\n' "${per_with[@]}" | paste -sd' ')"
ir_added=$(awk -v a="$ir_with" -v b="$ir_without" 'BEGIN { printf "%.0f", a - b }')
ir_percent=$(awk -v a="$ir_with" -v b="$ir_without" 'BEGIN { printf "%.2f", 100 * (a - b) / b }')
ir_verdict=$(awk -v p="$ir_percent" 'BEGIN { print (p <= 0.5) ? "met" : "**not met**" }')
# Where the added instructions go: the library's own functions (self cost) in the long run.
hot=$(callgrind_annotate --threshold=100 "$work/callgrind.with.$cg_long" 2>/dev/null |
    awk -v n="$cg_long" '/libtryagain\.so\]$/ { gsub(",", "", $1); name = $(NF - 1); sub(/^.*:/, "", name)
        printf "%s %.0f\n", name, $1 / n }' | sort -k2 -n -r | head -n 8)
hot_total=$(callgrind_annotate --threshold=100 "$work/callgrind.with.$cg_long" 2>/dev/null |
    awk -v n="$cg_long" '/libtryagain\.so\]/ { gsub(",", "", $1); s += $1 } END { printf "%.0f", s / n }')

# --- Exec cost of `curl --version`: hyperfine, two passes in opposite orders.
echo "bench: exec cost, $exec_runs runs of curl --version each side" >&2
half=$((exec_runs / 2))
plain="env -u LD_PRELOAD curl --version"
preloaded="env LD_PRELOAD=$library curl --version"
hyperfine -N --style none --warmup 20 --runs "$half" --export-json "$work/exec1.json" \
    "$plain" "$preloaded" >/dev/null
hyperfine -N --style none --warmup 20 --runs "$half" --export-json "$work/exec2.json" \
    "$preloaded" "$plain" >/dev/null
read -r exec_without exec_with exec_added exec_sd_without exec_sd_with < <(python3 - "$plain" \
    "$work/exec1.json" "$work/exec2.json" <<'EOF'
import json, statistics, sys
plain = sys.argv[1]
times = {True: [], False: []}
for path in sys.argv[2:]:
    for result in json.load(open(path))["results"]:
        times[result["command"] == plain].extend(result["times"])
without = statistics.median(times[True]) * 1000
with_ = statistics.median(times[False]) * 1000
print("%.3f %.3f %.3f %.3f %.3f" % (without, with_, with_ - without,
      statistics.stdev(times[True]) * 1000, statistics.stdev(times[False]) * 1000))
EOF
)
exec_verdict=$(awk -v a="$exec_added" 'BEGIN { print (a < 0.5) ? "met" : "**not met**" }')

bench_nginx_stop

cat <<EOF
## Success-path overhead

### Keep-alive requests from a libcurl program

Method: \`tests/programs/bench_keepalive.c\` performs GET requests on one reused easy handle
(\`curl_easy_perform\` in a loop, one keep-alive connection, checked through
\`CURLINFO_NUM_CONNECTS\`) against a private nginx (Debian's \`nginx-light\`, one worker,
\`keepalive_requests 1000000\`) serving a 17-byte file on 127.0.0.1, every response a 200, so
tryagain never retries: this is the price of being in the path. Wall time is the client's own
timing of its request loop, $requests requests per run, $pairs pairs of runs with and without
\`LD_PRELOAD=build/libtryagain.so\`, each pair in the opposite order of the last; the ratio is
the median of the $pairs per-pair ratios (the best run of each side is shown too: it is the
least disturbed by the machine's other load). Instructions are counted by
\`valgrind --tool=callgrind\`: a run of $cg_long requests minus a run of $cg_short, divided by
$((cg_long - cg_short)), so start-up and the first connection cancel out. The count is deterministic
but for libcurl's polling, which varies a little with timing: the median of $cg_repeats such
differences per side is reported (each repeat's values: $ir_runs).

| | without | with tryagain | ratio / added | goal |
|---|---:|---:|---:|---|
| wall time, $requests requests (median) | $wall_without s | $wall_with s | ×$wall_ratio (pairs: $ratio_range) | |
| wall time, $requests requests (best of $pairs) | $best_without s | $best_with s | ×$best_ratio | |
| wall time per request (medians) | $(awk -v s="$wall_without" -v n="$requests" 'BEGIN { printf "%.1f", s / n * 1e6 }') µs | $(awk -v s="$wall_with" -v n="$requests" 'BEGIN { printf "%.1f", s / n * 1e6 }') µs | | |
| instructions per request (callgrind) | $ir_without | $ir_with | +$ir_added (+$ir_percent%) | at most +0.5%: $ir_verdict |

The instructions the library adds per request, by function (self cost in the $cg_long-request
run divided by $cg_long; this includes the one-time set-up, spread over the run). The library's
own code accounts for about $hot_total of the $ir_added added instructions per request; the rest is
spent in the libc and libcurl functions it calls.

| function in libtryagain.so | instructions per request |
|---|---:|
$(printf '%s\n' "$hot" | awk 'NF { printf "| `%s` | %s |\n", $1, $2 }')

### Exec cost: \`curl --version\`

Method: \`hyperfine -N --warmup 20\` runs \`$plain\` and \`env LD_PRELOAD=build/libtryagain.so
curl --version\`, $half runs each, then again in the opposite order; medians of the $exec_runs
runs of each side. The library is loaded and its constructor runs; \`curl --version\` makes no
transfer.

| | without | with tryagain | added | goal |
|---|---:|---:|---:|---|
| \`curl --version\` (median, ms) | $exec_without (σ $exec_sd_without) | $exec_with (σ $exec_sd_with) | $exec_added ms | under 0.5 ms: $exec_verdict |
EOF
