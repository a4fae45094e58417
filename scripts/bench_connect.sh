#!/bin/sh
# Nanoseconds per successful connect() without and with libtryagain.so preloaded, side by side
# in one run. Goal: under 50 ns added.
#   scripts/bench_connect.sh [CALLS_PER_ROUND [ROUNDS [PAIRS]]]
# The two measurements alternate PAIRS times and each side keeps its best, so a burst of load
# on the machine does not land on one side only.
set -eu
BUILD=${BUILD:-build}
calls=${1:-200000}
rounds=${2:-7}
pairs=${3:-5}
make -s BUILD="$BUILD" "$BUILD/libtryagain.so" "$BUILD/tests/tools/bench_connect" >/dev/null
library=$(cd "$BUILD" && pwd)/libtryagain.so
tool=$BUILD/tests/tools/bench_connect

best() { # prints the smaller of two decimals
    awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'
}

without=""
with=""
i=0
while [ "$i" -lt "$pairs" ]; do
    without=$(best "$(env -u LD_PRELOAD "$tool" "$calls" "$rounds")" "$without")
    with=$(best "$(LD_PRELOAD="$library" "$tool" "$calls" "$rounds")" "$with")
    i=$((i + 1))
done

awk -v without="$without" -v with="$with" 'BEGIN {
    printf "connect() that succeeds (UDP, loopback), best of %s\n", "'"$pairs"' x '"$rounds"' rounds"
    printf "  without the library: %8.1f ns per call\n", without
    printf "  with the library:    %8.1f ns per call\n", with
    printf "  added:               %8.1f ns (ratio %.3f; goal: under 50 ns)\n", with - without, with / without
}'
