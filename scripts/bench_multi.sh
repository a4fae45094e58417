#!/usr/bin/env bash
# The multi interface's cost, measured side by side with and without libtryagain.so in one run:
# instructions per transfer of `curl -Z` (libcurl's multi interface) over one keep-alive
# connection to a local nginx, every answer a 200, so that nothing is retried; and the CPU time
# a transfer costs while it waits 2 s for its retry (Retry-After: 2 from a scripted server).
# Prints a markdown section on stdout, progress on stderr.
#   scripts/bench_multi.sh
# Knobs: BENCH_MULTI_LONG (400), BENCH_MULTI_SHORT (200) transfers, BENCH_MULTI_REPEATS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh

BUILD=${BUILD:-build}
long=${BENCH_MULTI_LONG:-400}
short=${BENCH_MULTI_SHORT:-200}
repeats=${BENCH_MULTI_REPEATS:-3}

unset LD_PRELOAD
for variable in $(compgen -e | grep '^TRYAGAIN_' || true); do unset "$variable"; done

bench_need nginx nginx-light
bench_need valgrind valgrind
bench_need curl curl
make -s BUILD="$BUILD" "$BUILD/libtryagain.so" floor >/dev/null
library=$(cd "$BUILD" && pwd)/libtryagain.so
floors=$(cd "$BUILD/tests/bench" && pwd) # tests/bench/floor_preload.c: the least a hook costs
work=$(bench_tempdir)
dir=$(bench_tempdir)
port=$(bench_free_port)
mkdir -p "$dir/html"
head -c 65536 /dev/zero | tr '\0' 'x' >"$dir/html/64k.txt" # a typical API answer's size
bench_nginx_start "$dir" "$port" "" ""
url="http://127.0.0.1:$port/index.html"
url_64k="http://127.0.0.1:$port/64k.txt"

# instructions SIDE COUNT: callgrind's total for one `curl -Z` run of COUNT transfers, one at a
# time (--parallel-max 1), so that they share one keep-alive connection.
# Sides: without; with (the defaults); off (TRYAGAIN_MAX_ATTEMPTS=1: hooks in the path, no
# retries). A private, empty state directory: a host that never throttled, as the goal says.
state_dir=$(bench_tempdir)/run
mkdir -m 700 "$state_dir" # private, or coordination would not use it
export XDG_RUNTIME_DIR=$state_dir
instructions() {
    local side=$1 count=$2 target=${3:-$url} preload=()
    [ "$side" = with ] && preload=(env "LD_PRELOAD=$library")
    [ "$side" = off ] && preload=(env "LD_PRELOAD=$library" TRYAGAIN_MAX_ATTEMPTS=1)
    [[ $side == floor_* ]] && preload=(env "LD_PRELOAD=$floors/$side.so")
    "${preload[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg.$side.$count" \
        curl -s -Z --parallel-max 1 -o /dev/null "$target?[1-$count]" 2>&1 >/dev/null |
        awk '/Collected :/ { print $NF }'
}

active=$(LD_PRELOAD="$library" TRYAGAIN_STATS=1 curl -s -Z -o /dev/null "$url?[1-5]" 2>&1)
if [[ $active != *"stats: 5 transfers"* ]]; then
    echo "bench: libtryagain.so does not see curl -Z's transfers: $active" >&2
    exit 1
fi
# The floor models must be in the path and must not change what curl writes.
for floor in floor_bare floor_route floor_gate; do
    if ! cmp -s <(curl -s -Z "$url?[1-3]" 2>/dev/null) \
        <(LD_PRELOAD="$floors/$floor.so" curl -s -Z "$url?[1-3]" 2>/dev/null); then
        echo "bench: curl -Z under $floor.so writes other bytes than without it" >&2
        exit 1
    fi
done
echo "bench: curl -Z under callgrind, $long and $short transfers, $repeats times each side" >&2
# per_transfer SIDE LONG SHORT [URL]: the instructions of one transfer, from two runs.
per_transfer() {
    local l s
    l=$(instructions "$1" "$2" "${4:-$url}")
    s=$(instructions "$1" "$3" "${4:-$url}")
    awk -v l="$l" -v s="$s" -v n=$(($2 - $3)) 'BEGIN { printf "%.0f", (l - s) / n }'
}
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", 100 * (a - b) / b }'; }
per_without=()
per_with=()
per_off=()
per_64k_without=()
per_64k_with=()
per_floor_bare=()
per_floor_route=()
per_floor_gate=()
for _ in $(seq "$repeats"); do
    per_without+=("$(per_transfer without "$long" "$short")")
    per_with+=("$(per_transfer with "$long" "$short")")
    per_off+=("$(per_transfer off "$long" "$short")")
    per_floor_bare+=("$(per_transfer floor_bare "$long" "$short")")
    per_floor_route+=("$(per_transfer floor_route "$long" "$short")")
    per_floor_gate+=("$(per_transfer floor_gate "$long" "$short")")
    # 64 KiB answers: fewer transfers, as each takes longer under valgrind.
    per_64k_without+=("$(per_transfer without 100 50 "$url_64k")")
    per_64k_with+=("$(per_transfer with 100 50 "$url_64k")")
done
bench_nginx_stop
ir_without=$(bench_median "${per_without[@]}")
ir_with=$(bench_median "${per_with[@]}")
ir_off=$(bench_median "${per_off[@]}")
ir_64k_without=$(bench_median "${per_64k_without[@]}")
ir_64k_with=$(bench_median "${per_64k_with[@]}")
ir_percent=$(percent "$ir_with" "$ir_without")
ir_off_percent=$(percent "$ir_off" "$ir_without")
ir_floor_bare=$(bench_median "${per_floor_bare[@]}")
ir_floor_route=$(bench_median "${per_floor_route[@]}")
ir_floor_gate=$(bench_median "${per_floor_gate[@]}")
floor_bare_percent=$(percent "$ir_floor_bare" "$ir_without")
floor_route_percent=$(percent "$ir_floor_route" "$ir_without")
floor_gate_percent=$(percent "$ir_floor_gate" "$ir_without")
ir_64k_percent=$(percent "$ir_64k_with" "$ir_64k_without")
ir_verdict=$(awk -v p="$ir_percent" 'BEGIN { print (p <= 1.0) ? "met" : "**not met**" }')
ir_runs="without: $(printf '%s\n' "${per_without[@]}" | paste -sd' '); with: $(printf '%s\n' "${per_with[@]}" | paste -sd' '); retries off: $(printf '%s\n' "${per_off[@]}" | paste -sd' '); floors: $(printf '%s\n' "${per_floor_bare[@]}" | paste -sd' ') / $(printf '%s\n' "${per_floor_route[@]}" | paste -sd' ') / $(printf '%s\n' "${per_floor_gate[@]}" | paste -sd' ')"

# Where the added instructions go: the library's own functions (self cost) in the last pair of
# "with" runs, per transfer, the largest first; calls into libc and libcurl it makes are not in
# these rows. Lines of an inlined header function carry no object name: "/src/" marks them.
breakdown=$(
    for count in "$long" "$short"; do
        callgrind_annotate --inclusive=no --auto=no --threshold=100 "$work/cg.with.$count" 2>/dev/null |
            awk -v count="$count" '/libtryagain\.so\]/ || (/[ \/]src\// && !/\[/) { sub(/\([^)]*\) +/, ""); gsub(",", "", $1); name = $2; sub(/.*\//, "", name); cost[name] += $1 }
                END { for (n in cost) print count, n, cost[n] }'
    done | awk -v long="$long" -v short="$short" '
        $1 == long { l[$2] = $3 } $1 == short { s[$2] = $3 }
        END { for (n in l) { per = (l[n] - s[n]) / (long - short); total += per; if (per >= 1) printf "%.0f %s\n", per, n }
              printf "%.0f TOTAL\n", total }' | sort -rn
)
breakdown_total=$(awk '$2 == "TOTAL" { print $1 }' <<<"$breakdown")
breakdown_rows=$(awk '$2 != "TOTAL" && NR <= 13 { printf "| `%s` | %s |\n", $2, $1 }' <<<"$breakdown")

# Instructions of a curl -Z run whose one transfer waits 2 s for its retry, against the same
# run told no wait (a 200 at once): the difference is what waiting and the retry cost. Counted
# by callgrind rather than timed: CPU time on a shared virtual machine is not to be trusted.
echo "bench: instructions of a 2 s wait in curl -Z" >&2
script=$work/script
printf '/wait: 429 ra=2 | 200 body=ok\n/now: 200 body=ok\n' >"$script"
python3 tests/integration/scripted_server.py "$script" "$work/requests.log" >"$work/port" &
server=$!
BENCH_PIDS+=("$server")
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
server_port=$(head -n 1 "$work/port")
# run_counted PATH: "instructions milliseconds" of one curl -Z run under the library.
run_counted() {
    local started ended count
    started=$(date +%s%N)
    count=$(LD_PRELOAD="$library" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        curl -s -Z -o /dev/null "http://127.0.0.1:$server_port$1" 2>&1 |
        awk '/Collected :/ { print $NF }')
    ended=$(date +%s%N)
    echo "$count $(((ended - started) / 1000000))"
}
read -r wait_ir wait_wall < <(run_counted /wait)
read -r now_ir now_wall < <(run_counted /now)
kill "$server" 2>/dev/null || true
wait_added=$(awk -v a="$wait_ir" -v b="$now_ir" 'BEGIN { printf "%.0f", a - b }')
wait_percent=$(awk -v a="$wait_ir" -v b="$now_ir" 'BEGIN { printf "%.1f", 100 * (a - b) / b }')

cat <<EOF
## The multi interface

### \`curl -Z\` on the success path

Method: \`curl -s -Z --parallel-max 1 -o /dev/null 'URL?[1-N]'\` against the private nginx of
the section above (every answer a 200, one keep-alive connection, so nothing is retried),
under \`valgrind --tool=callgrind\`, with and without the library: a run of $long transfers minus
a run of $short, divided by $((long - short)); the median of $repeats such differences per side
(each repeat's values: $ir_runs).

| | without | with tryagain | added | goal |
|---|---:|---:|---:|---|
| instructions per transfer (callgrind) | $ir_without | $ir_with | +$ir_percent% | at most +1%: $ir_verdict |
| the same with \`TRYAGAIN_MAX_ATTEMPTS=1\` (hooks in the path, retries off) | $ir_without | $ir_off | +$ir_off_percent% | |
| a 64 KiB answer instead of 17 bytes (100 minus 50 transfers) | $ir_64k_without | $ir_64k_with | +$ir_64k_percent% | |
| floor 1: a preload whose hooks only jump on to libcurl | $ir_without | $ir_floor_bare | +$floor_bare_percent% | |
| floor 2: the same, each call routed to its caller's libcurl | $ir_without | $ir_floor_route | +$floor_route_percent% | |
| floor 3: floor 2, and the write and header callbacks gated | $ir_without | $ir_floor_gate | +$floor_gate_percent% | |

The library's own instructions per transfer, by function (self cost; $breakdown_total in
all, the rest of the difference is libc and libcurl work it asks for: allocations, the lock of
its handle table, the options it sets to put its callbacks in place):

| function | instructions per transfer |
|---|---:|
$breakdown_rows

**Why 1% cannot be met.** 1% of a transfer here is $((ir_without / 100)) instructions. The
floor rows measure models of a hook (\`tests/bench/floor_preload.c\`), each preloaded in
place of the library in the same runs; curl's output is checked to be unchanged under each.
They do not retry, and keep nothing the issue's other parts need:

- **Floor 1** exports the hooks curl -Z calls on each transfer (\`curl_easy_setopt\` about 90
  times, \`curl_multi_perform\`, \`_poll\`, \`_info_read\`, \`_add_handle\`,
  \`_remove_handle\`, \`curl_easy_cleanup\`), and each is one jump. This is the price of being
  in the path at all.
- **Floor 2** adds what the library must do on every call, because a process can hold two
  libcurls (PHP or Python with an FFI's or a wheel's own): the caller's object, remembered per
  thread and checked against the return address, picks the libcurl. It is the library's own
  fast path, a few instructions per call.
- **Floor 3** adds the least the one-response guarantee needs. The program's write and header
  callbacks are noted per handle, found through a locked table with a per-thread memory, and
  replaced by forwarding callbacks that look at the status line. Its records are reused, so
  nothing is allocated per transfer.

Floor 3 alone is more than 1%. libcurl has no getter for a handle's callbacks, so the hook
must be in \`curl_easy_setopt\`'s path. Routing can only be skipped where a process holds one
libcurl, and nothing cheap tells a hook that a second one was loaded before the first call
that needs it. What the library adds above floor 3 is the rest of the issue: the URL, method,
upload and rewind options noted, the host's policy and shared pacing looked up, each
completion judged and queued. A 64 KiB answer (the third row, from fewer transfers and so
noisier) adds little to either side: under callgrind, the system calls that move the body
count as single instructions.

### A transfer waiting for its retry

Method: \`curl -s -Z\` under the library (and under callgrind) fetches one URL that answers
429 with \`Retry-After: 2\` and then 200, against one that answers 200 at once: the
instructions of each whole run. The difference is the second attempt and two seconds of
waiting for it; a busy loop would cost millions.

| | wall time (under valgrind) | instructions |
|---|---:|---:|
| no wait | $now_wall ms | $now_ir |
| a 2 s wait, then the retry | $wait_wall ms | $wait_ir |
| what the wait and the retry cost | | +$wait_added (+$wait_percent%) |
EOF
