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
floor_sides=(floor_bare floor_route floor_gate floor_got)
# The floor models must not change what curl writes.
for floor in "${floor_sides[@]}"; do
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
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", 100 * (a - b) / b }'; }
sides=(without with off "${floor_sides[@]}")
declare -A runs=() # side -> the per-transfer values of its repeats, space-separated
for _ in $(seq "$repeats"); do
    for side in "${sides[@]}"; do
        runs[$side]+="$(per_transfer "$side" "$long" "$short") "
    done
    # 64 KiB answers: fewer transfers, as each takes longer under valgrind.
    runs[64k_without]+="$(per_transfer without 100 50 "$url_64k") "
    runs[64k_with]+="$(per_transfer with 100 50 "$url_64k") "
done
bench_nginx_stop
declare -A median=() added=()
for side in "${!runs[@]}"; do
    # shellcheck disable=SC2086 # the values are numbers, split on purpose
    median[$side]=$(bench_median ${runs[$side]})
done
for side in with off "${floor_sides[@]}"; do
    added[$side]=$(percent "${median[$side]}" "${median[without]}")
done
ir_64k_percent=$(percent "${median[64k_with]}" "${median[64k_without]}")
ir_verdict=$(awk -v p="${added[with]}" 'BEGIN { print (p <= 1.0) ? "met" : "**not met**" }')
ir_runs=$(for side in "${sides[@]}"; do printf '%s: %s; ' "$side" "${runs[$side]% }"; done)
ir_runs=${ir_runs%; }

# own SIDE: the instructions per transfer spent in the preloaded object's own code (self cost),
# from the last repeat's two runs of SIDE. Unlike the whole run, this does not move with how many
# rounds of curl_multi_perform the timing of the loopback gave curl.
own() {
    local side=$1 object
    case $side in
    floor_*) object="$side.so" ;;
    *) object=libtryagain.so ;;
    esac
    for count in "$long" "$short"; do
        callgrind_annotate --inclusive=no --auto=no --threshold=100 "$work/cg.$side.$count" 2>/dev/null |
            awk -v object="$object]" 'index($0, object) || (/[ \/](src|tests\/bench)\// && !/\[/) { gsub(",", "", $1); total += $1 }
                END { print total + 0 }'
    done | paste -sd' ' | awk -v n=$((long - short)) '{ printf "%.0f", ($1 - $2) / n }'
}
declare -A own_ir=() own_share=()
for side in with off "${floor_sides[@]}"; do
    own_ir[$side]=$(own "$side")
    own_share[$side]=$(awk -v a="${own_ir[$side]}" -v b="${median[without]}" 'BEGIN { printf "%.2f", 100 * a / b }')
done

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
| instructions per transfer (callgrind) | ${median[without]} | ${median[with]} | ${added[with]}% | at most +1%: $ir_verdict |
| the same with \`TRYAGAIN_MAX_ATTEMPTS=1\` (hooks in the path, retries off) | ${median[without]} | ${median[off]} | ${added[off]}% | |
| a 64 KiB answer instead of 17 bytes (100 minus 50 transfers) | ${median[64k_without]} | ${median[64k_with]} | $ir_64k_percent% | |

The floors: models of a hook (\`tests/bench/floor_preload.c\`, below), each preloaded in the
library's place in the same runs; curl's output is checked to be the same under each. The
whole run moves by up to 2% from one run to the next, on either side, with the number of
rounds of \`curl_multi_perform\` the loopback's timing gives curl; the instructions spent in
the preloaded object's own code (its functions' self cost, from the last repeat) do not, and
are the sturdier figure. That column leaves out the libc and libcurl work a hook asks for (its
locks, the options it sets to put its callbacks in place), which the whole run counts.

| preloaded | whole run, per transfer | added | its own code, per transfer | share of a transfer |
|---|---:|---:|---:|---:|
| libtryagain.so | ${median[with]} | ${added[with]}% | ${own_ir[with]} | ${own_share[with]}% |
| libtryagain.so, retries off | ${median[off]} | ${added[off]}% | ${own_ir[off]} | ${own_share[off]}% |
| floor 1: each hook only jumps on to libcurl | ${median[floor_bare]} | ${added[floor_bare]}% | ${own_ir[floor_bare]} | ${own_share[floor_bare]}% |
| floor 2: each call routed to its caller's libcurl | ${median[floor_route]} | ${added[floor_route]}% | ${own_ir[floor_route]} | ${own_share[floor_route]}% |
| floor 3: floor 2, and the write and header callbacks gated | ${median[floor_gate]} | ${added[floor_gate]}% | ${own_ir[floor_gate]} | ${own_share[floor_gate]}% |
| floor 4: floor 3, with setopt's routing settled in each caller's GOT slot | ${median[floor_got]} | ${added[floor_got]}% | ${own_ir[floor_got]} | ${own_share[floor_got]}% |

The library's own instructions per transfer, by function (self cost; ${own_ir[with]} in
all, the rest of the difference is libc and libcurl work it asks for: allocations, the lock of
its handle table, the options it sets to put its callbacks in place):

| function | instructions per transfer |
|---|---:|
$breakdown_rows

**Why 1% is out of reach.** 1% of a transfer here is $((median[without] / 100)) instructions.
The floors do not retry, and keep nothing else that retries need:

- **Floor 1** exports the hooks a curl -Z transfer calls (\`curl_easy_setopt\` about 90
  times, \`curl_multi_perform\`, \`_poll\`, \`_info_read\`, \`_add_handle\`,
  \`_remove_handle\`, \`curl_easy_cleanup\`; also \`_wait\` and \`_timeout\`), and each is one
  jump: the price of being in the path at all.
- **Floor 2** adds what the library does on every call, because a process can hold two
  libcurls (PHP or Python with an FFI's or a wheel's own): the caller's object, remembered per
  thread and checked against the return address, picks the libcurl. It is the library's own
  fast path: about 8 instructions per call more than floor 1, about 100 calls per transfer.
- **Floor 3** adds the least the one-response guarantee needs. The program's write and header
  callbacks are noted per handle, found through a locked table with a per-thread memory, and
  replaced by forwarding callbacks that look at the status line. Its records are reused, so
  nothing is allocated per transfer.
- **Floor 4** is floor 3 with the routing of \`curl_easy_setopt\` settled once per calling
  object: at an object's first call, its GOT slot for the function is pointed at a copy of the
  hook bound to its libcurl.

The library must be in \`curl_easy_setopt\`'s path, since libcurl has no getter for a handle's
callbacks. It must route each call unless it knows that the process holds one libcurl, and
a preloaded library cannot know that cheaply: glibc loads NSS and gconv modules without
calling \`dlopen\` (an NSS module can link libcurl), and the \`dlopen\` hook has to jump to
glibc's, so nothing of it runs after a load. Floor 3's own code alone is
${own_share[floor_gate]}% of a transfer. Floor 4 shows the one way around it, writing into
each calling object's relocated memory. The library does not do that
(\`docs/internals/symbol-binding.md\`). It would leave at most
$(awk -v a="${own_ir[floor_got]}" -v b="${median[without]}" 'BEGIN { r = b / 100 - a; printf "%.0f", (r > 0 ? r : 0) }')
instructions per transfer (1% less floor 4's own code, before the libc and libcurl work it
asks for) for everything else the library does: noting the URL, method, upload and rewind
options, looking up the host's policy and shared pacing, and judging and queueing each
completion. The library spends about
$(awk -v a="${own_ir[with]}" -v b="${own_ir[floor_gate]}" 'BEGIN { printf "%.0f", a - b }') on
those now.

A 64 KiB answer (the third row, from fewer transfers and so noisier) adds little to either
side: under callgrind, the system calls that move the body count as single instructions.

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
