#!/bin/sh
# Nanoseconds per call without and with libtryagain.so preloaded, side by side in one run: a
# connect() that succeeds and a non-blocking connect() to an unlisted server (goal: under 50 ns
# added), and a getaddrinfo() of a name that is not listed (goal: under 1% added).
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

# side MODE CALLS [VARIABLE=value...]: the best of PAIRS alternating runs on each side, printed
# as "without with".
side() {
    mode=$1 n=$2
    shift 2
    without="" with=""
    i=0
    while [ "$i" -lt "$pairs" ]; do
        without=$(best "$(env -u LD_PRELOAD "$tool" "$n" "$rounds" "$mode")" "$without")
        with=$(best "$(env LD_PRELOAD="$library" "$@" "$tool" "$n" "$rounds" "$mode")" "$with")
        i=$((i + 1))
    done
    echo "$without $with"
}

# A list that names other servers, by name and by address: the unlisted path at its longest.
list="TRYAGAIN_CONNECT_TO=db:5432,cache:6379,127.0.0.1:1,/run/app.sock"
set -- $(side udp "$calls")
udp_without=$1 udp_with=$2
set -- $(side nonblock $((calls / 10)) "$list")
nb_without=$1 nb_with=$2
set -- $(side resolve $((calls / 100)) "$list")
gai_without=$1 gai_with=$2

awk -v w="$udp_without" -v t="$udp_with" -v nw="$nb_without" -v nt="$nb_with" \
    -v gw="$gai_without" -v gt="$gai_with" 'BEGIN {
    printf "connect() that succeeds (UDP, loopback), best of %s\n", "'"$pairs"' x '"$rounds"' rounds"
    printf "  without the library: %8.1f ns per call\n", w
    printf "  with the library:    %8.1f ns per call\n", t
    printf "  added:               %8.1f ns (ratio %.3f; goal: under 50 ns)\n", t - w, t / w
    printf "non-blocking connect() to an unlisted server (EINPROGRESS; a list naming others)\n"
    printf "  without the library: %8.1f ns per call\n", nw
    printf "  with the library:    %8.1f ns per call\n", nt
    printf "  added:               %8.1f ns (ratio %.3f; goal: under 50 ns)\n", nt - nw, nt / nw
    printf "getaddrinfo() of a name that is not listed (localhost, from /etc/hosts)\n"
    printf "  without the library: %8.1f ns per call\n", gw
    printf "  with the library:    %8.1f ns per call\n", gt
    printf "  added:               %8.1f ns (ratio %.3f; goal: under 1%%)\n", gt - gw, gt / gw
}'
