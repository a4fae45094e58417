#!/usr/bin/env bash
# Thundering herd against a real rate limiter: nginx's limit_req (R requests/s, burst B, 429 on
# excess) and K unmodified curl processes released together by a barrier, for six retry
# strategies, without and with "Retry-After: 1" on the 429s, then uncoordinated against
# coordinated at other rates, with clients killed, and on a stale state file. Prints a markdown
# section on stdout and writes the chart to $BENCH_CHART (default docs/herd.png).
#   scripts/bench_herd.sh            (BENCH_HERD_REPEATS=5 BENCH_HERD_COUNT=100 to change)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh

BUILD=${BUILD:-build}
count=${BENCH_HERD_COUNT:-100}
repeats=${BENCH_HERD_REPEATS:-5}
per_process_timeout=${BENCH_HERD_TIMEOUT:-60}
chart=${BENCH_CHART:-docs/herd.png}
rate=${BENCH_HERD_RATE:-50}
burst=${BENCH_HERD_BURST:-10}
# The rows beyond the main herd (429s only, tryagain uncoordinated against coordinated):
# "slow" (R, B) = (10, 0), "fast" (200, 50), "killed" (a tenth of the clients killed with
# SIGKILL 0.3 s after the release; they are left out of the success share), "stale" (the
# state file left by a coordinated herd against the same port at R = 200, then the herd at
# R). BENCH_HERD_EXTRA="" leaves them out; BENCH_HERD_EXTRA_REPEATS (default: the repeats).
extra=${BENCH_HERD_EXTRA-slow,fast,killed,stale}
extra_repeats=${BENCH_HERD_EXTRA_REPEATS:-$repeats}
kill_count=$((count / 10))

bench_need nginx nginx-light
bench_need gnuplot gnuplot-nox
bench_need curl curl
make -s BUILD="$BUILD" "$BUILD/libtryagain.so" >/dev/null
library=$(cd "$BUILD" && pwd)/libtryagain.so
# BENCH_HERD_LIBRARY=PATH measures another build (an older one, to compare).
library=${BENCH_HERD_LIBRARY:-$library}

work=$(bench_tempdir)
results=$work/results.jsonl
: >"$results"

retry_after_map="map \$status \$retry_after { 429 1; default \"\"; }"
retry_after_extra="$retry_after_map add_header Retry-After \$retry_after always;"

# "tryagain defaults" coordinates (TRYAGAIN_COORDINATE=on), each run from a fresh state
# directory; "uncoordinated" is the same with it off (what every process did alone before);
# "warm" runs right after a "defaults" run of the same group, against the same port, with its
# state left.
strategies=("no retries" "curl --retry 3" "tryagain uncoordinated" "tryagain defaults"
    "tryagain warm" "tryagain base 50 ms")
# BENCH_HERD_STRATEGIES="tryagain defaults,tryagain warm" runs only those (warm needs defaults).
if [ -n "${BENCH_HERD_STRATEGIES:-}" ]; then
    IFS=, read -ra strategies <<<"$BENCH_HERD_STRATEGIES"
fi
warm_port=""
warm_state=""

# herd OUTPUT GROUP STRATEGY HTTP_EXTRA RATE BURST KILL PORT STATE: one herd on a fresh nginx
# (a fresh limit_req zone) in a new directory, its JSON line appended to OUTPUT.
herd() {
    local output=$1 group=$2 strategy=$3 http_extra=$4 rate=$5 burst=$6 kill=$7 port=$8
    local state=$9 dir url burst_param=""
    dir=$(bench_tempdir)
    [ "$burst" -gt 0 ] && burst_param=" burst=$burst" # nginx refuses burst=0: none is the default
    local limiter="limit_req_zone \$binary_remote_addr zone=herd:1m rate=${rate}r/s; limit_req_status 429;"
    bench_nginx_start "$dir" "$port" "$limiter $http_extra" "limit_req zone=herd${burst_param} nodelay;"
    # nginx stands for a host elsewhere: it must not queue behind the 100 curls starting on
    # the same two cores (its log's times, which are the benchmark's, would lag, and so would
    # its answers). Best effort: renice needs root.
    renice -n -10 -p "$NGINX_PID" $(pgrep -P "$NGINX_PID") >/dev/null 2>&1 || true
    url="http://127.0.0.1:$port/index.html"
    # -o to a file of each process's own: curl --retry must truncate its output file before a
    # retry, and fails with "(23) Failed to truncate file" when that file is /dev/null.
    local curl=(curl -s -o @BODY@ -w '%{http_code}' "$url")
    local env=(--env "XDG_RUNTIME_DIR=$state")
    case $strategy in
        "no retries") ;;
        "curl --retry 3") curl=(curl --retry 3 -s -o @BODY@ -w '%{http_code}' "$url") ;;
        "tryagain uncoordinated") env+=(--env "LD_PRELOAD=$library" --env TRYAGAIN_COORDINATE=off) ;;
        "tryagain base 50 ms") env+=(--env "LD_PRELOAD=$library" --env TRYAGAIN_BASE_DELAY_MS=50) ;;
        tryagain*) env+=(--env "LD_PRELOAD=$library") ;;
    esac
    # BENCH_HERD_ENV="K=V ...": more environment for the tryagain strategies (a log, say).
    if [[ $strategy == tryagain* ]] && [ -n "${BENCH_HERD_ENV:-}" ]; then
        local assignment
        for assignment in $BENCH_HERD_ENV; do env+=(--env "$assignment"); done
    fi
    python3 scripts/bench_herd.py run --label "$strategy" --group "$group" --count "$count" \
        --timeout "$per_process_timeout" --rate "$rate" --burst "$burst" --kill "$kill" \
        --access-log "$dir/access.log" --outdir "$dir/out" --state-dir "$state" \
        "${env[@]}" -- "${curl[@]}" >>"$output"
    bench_nginx_stop
}

# run_one GROUP STRATEGY HTTP_EXTRA [RATE BURST KILL]: one measured herd.
run_one() {
    local group=$1 strategy=$2 http_extra=$3 rate=${4:-$rate} burst=${5:-$burst} kill=${6:-0}
    local port state
    port=$(bench_free_port)
    state=$(bench_tempdir)/run
    mkdir -m 700 "$state"
    case $strategy in
        "tryagain warm")
            port=$warm_port
            state=$warm_state
            ;;
        "tryagain defaults")
            warm_port=$port
            warm_state=$state
            ;;
        "tryagain stale")
            # What a herd at another rate (four times this one) left in the state file.
            herd /dev/null "$group" "tryagain defaults" "$http_extra" 200 "$burst" 0 "$port" "$state"
            ;;
    esac
    herd "$results" "$group" "$strategy" "$http_extra" "$rate" "$burst" "$kill" "$port" "$state"
    tail -n 1 "$results" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print("bench: herd %-22s %-18s makespan %6.2f s, %3d attempts, %3d succeeded"
      % (r["group"], r["label"], r["makespan"], r["attempts"], r["succeeded"]), file=sys.stderr)'
}

for _ in $(seq "$repeats"); do
    for group in "429 only" "429 + Retry-After: 1"; do
        http_extra=""
        [ "$group" = "429 only" ] || http_extra=$retry_after_extra
        for strategy in "${strategies[@]}"; do
            run_one "$group" "$strategy" "$http_extra"
        done
    done
done
wanted() { [[ ,$extra, == *,$1,* ]]; }
for _ in $(seq "$extra_repeats"); do
    for strategy in "tryagain uncoordinated" "tryagain defaults"; do
        if wanted slow; then run_one "R = 10, B = 0" "$strategy" "" 10 0; fi
        if wanted fast; then run_one "R = 200, B = 50" "$strategy" "" 200 50; fi
        if wanted killed; then
            run_one "$kill_count of $count killed at 0.3 s" "$strategy" "" "$rate" "$burst" "$kill_count"
        fi
    done
    if wanted stale; then run_one "state left by a herd at R = 200" "tryagain stale" ""; fi
done

# BENCH_HERD_RESULTS=FILE keeps the raw results (one JSON line per herd) for a closer look.
[ -n "${BENCH_HERD_RESULTS:-}" ] && cp "$results" "$BENCH_HERD_RESULTS"
python3 scripts/bench_herd.py report "$results" "$work" --count "$count" >"$work/table.md"

# The chart: makespan and success share per strategy, and when the successes arrived.
tmin=$(awk -v k="$count" -v b="$burst" -v r="$rate" 'BEGIN { printf "%.4f", (k - b - 1) / r }')
cumulative_plot() { # GROUP_INDEX: a gnuplot plot command for that group's cumulative curves
    local index=$1 parts=() strategy key
    for strategy in "${strategies[@]}"; do
        key=$(printf '%s' "$strategy" | sed 's/ /-/g; s/[\/,]//g')
        parts+=("'$work/cumulative-$index-$key.dat' using 1:2 with steps lw 2 title '$strategy'")
    done
    parts+=("'$work/ideal.dat' using 1:2 with lines dt 2 lw 2 lc rgb 'black' title 'ideal (limit)'")
    local IFS=,
    echo "plot ${parts[*]}"
}
xmax=$(cat "$work"/cumulative-*.dat | awk -v t="$tmin" 'BEGIN { m = t } $1 > m { m = $1 } END { printf "%.2f", m * 1.05 }')
printf '0 %s\n%s %s\n%s %s\n' "$((burst + 1))" "$tmin" "$count" "$xmax" "$count" >"$work/ideal.dat"
mkdir -p "$(dirname "$chart")"
gnuplot <<EOF
set terminal pngcairo size 1400,1000 font ",10" noenhanced
set output '$chart'
set multiplot layout 2,2 title "Thundering herd: $count curl processes against nginx limit_req ($rate r/s, burst $burst)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set xtics scale 0 rotate by -15
set offsets 0, 0, graph 0.25, 0
set title "Makespan (release to last curl exit)"
set ylabel "seconds"
set yrange [0:*]
plot '$work/herd.dat' using 2:xtic(1) title '429 only', '' using 3 title '429 + Retry-After: 1', \
     $tmin with lines dt 2 lc rgb 'black' title sprintf('T_min = %.2f s', $tmin)
set title "Requests that succeeded"
set ylabel "percent"
set yrange [0:125]
set ytics 0, 20, 100
plot '$work/herd.dat' using 4:xtic(1) title '429 only', '' using 5 title '429 + Retry-After: 1'
unset style
set offsets 0, 0, 0, 0
set style data lines
set xtics scale 1 norotate
set key bottom right
set yrange [0:$count + 5]
set xrange [0:$xmax]
set xlabel "seconds since release"
set ylabel "HTTP 200 responses so far"
set title "Successes over time: 429 only (first run)"
$(cumulative_plot 0)
set title "Successes over time: 429 + Retry-After: 1 (first run)"
$(cumulative_plot 1)
unset multiplot
EOF

load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
## Thundering herd against nginx limit_req

Method: a private nginx (Debian's \`nginx-light\`, one worker, reniced to -10: it stands for a
host elsewhere, not one more process queued behind the herd) serves a 17-byte file behind
\`limit_req zone=herd burst=$burst nodelay\` with \`rate=${rate}r/s\` and \`limit_req_status 429\`.
$count unmodified \`/usr/bin/curl -s -o FILE -w '%{http_code}' URL\` processes are forked
first and block on one pipe (\`scripts/bench_herd.py\`); when all are ready the pipe is closed
and each execs curl. \`nodelay\` makes nginx answer the burst at once instead of queueing it,
so the ideal makespan is exactly T_min = (K - B - 1) / R: B + 1 requests pass at once and the
other K - B - 1 at R per second. Each herd gets a fresh nginx (a fresh limit_req zone); a
curl still running after $per_process_timeout s is killed; the main matrix runs $repeats times,
interleaved, the other rows $extra_repeats times. Strategies: no retries; curl's own
\`--retry 3\` (curl waits 1, 2, 4 s, or the Retry-After); tryagain uncoordinated
(\`TRYAGAIN_COORDINATE=off\`: every process alone, the defaults before issue 13: 5 attempts,
full jitter on a 1 s base); tryagain at its defaults, coordinated, from a fresh state
directory; "warm", the same right after a "defaults" herd of the same group, against the same
port, with its state file left; tryagain coordinated with \`TRYAGAIN_BASE_DELAY_MS=50\`. The second group
adds \`Retry-After: 1\` to the 429s only (\`map \$status\` + \`add_header ... always\`). The
other rows (429s only) are (R, B) = (10, 0) and (200, 50); $kill_count of the $count curls
killed with SIGKILL 0.3 s after the release (left out of the success share); and "stale", a
coordinated herd run against a state file left by a coordinated herd at R = 200 against the
same port a moment before. Each curl writes the body to a file of its own: with
\`-o /dev/null\`, curl 7.88's \`--retry\` gives up at the first retry with "(23) Failed to
truncate file". Load average when the run ended: $load (2 shared cores; other work runs on
the machine, so single runs are noisy: read the medians and the ranges).

Columns: makespan is the time from the release to the last curl's exit; "first request at"
is when nginx logged the herd's first request (the start-up of $count curl processes, which
counts in the makespan but not in T_min), and the next column the span from it to the last
200; attempts per request and 429s per success come from nginx's access log; "of which no
client could know" is 1 + the 429s nginx logged before the first throttle reached the shared
file (its header's creation time), per request; "succeeded" is the share of curl processes
whose final \`%{http_code}\` was 200.

$(cat "$work/table.md")

![Thundering herd chart](herd.png)

How to read it: the dashed line is the limiter's own schedule (B + 1 at once, then R per
second), the best any client strategy can do. A strategy whose clients all wait the same time
(curl's fixed 1, 2, 4 s; any client honouring the same \`Retry-After: 1\` alone) brings the
herd back in one lump, of which only about B + 1 pass: the steps in the lower charts.
Jittered backoff spreads the returns out; a short base spreads them over too short a time
and runs out of attempts. Coordinated, the first throttle makes the shared file and every
later attempt, first attempts included, takes a slot of the host's learned spacing (a first
guess of 10 ms, measured within about 100 ms from the count of successes), so the curve
follows the limiter's line from the first window on; what it cannot save is the start-up
before the first request and the 429s of the requests already under way when the first
throttle was shared. Warm, the herd is paced from its first request at the remembered
spacing: almost no 429s, but the burst B is not used (the limiter's B + 1 at once are spent
one spacing apart: B / R = 0.2 s more than T_min here), and the start-up still counts.
EOF
