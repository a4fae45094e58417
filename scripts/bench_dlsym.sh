#!/bin/sh
# Nanoseconds per dlsym() of an unhooked name without and with libtryagain.so preloaded, side
# by side in one run (the dlsym hook's toll on every other lookup). Goal: a few tens of ns at
# most.
#   scripts/bench_dlsym.sh [CALLS_PER_ROUND [ROUNDS [PAIRS]]]
# The two measurements alternate PAIRS times and each side keeps its best.
set -eu
BUILD=${BUILD:-build}
calls=${1:-200000}
rounds=${2:-7}
pairs=${3:-5}
make -s BUILD="$BUILD" "$BUILD/libtryagain.so" "$BUILD/tests/tools/bench_dlsym" >/dev/null
library=$(cd "$BUILD" && pwd)/libtryagain.so
tool=$BUILD/tests/tools/bench_dlsym

best() { # the smaller of two decimals
    awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'
}

without_handle="" without_default="" with_handle="" with_default=""
i=0
while [ "$i" -lt "$pairs" ]; do
    set -- $(env -u LD_PRELOAD "$tool" "$calls" "$rounds")
    without_handle=$(best "$1" "$without_handle")
    without_default=$(best "$2" "$without_default")
    set -- $(LD_PRELOAD="$library" "$tool" "$calls" "$rounds")
    with_handle=$(best "$1" "$with_handle")
    with_default=$(best "$2" "$with_default")
    i=$((i + 1))
done

awk -v wh="$without_handle" -v wd="$without_default" -v h="$with_handle" -v d="$with_default" \
    -v runs="$pairs x $rounds rounds" 'BEGIN {
    printf "dlsym() of an unhooked name (\"strlen\"), best of %s\n", runs
    printf "                      libc handle   RTLD_DEFAULT\n"
    printf "  without the library: %8.1f ns    %8.1f ns\n", wh, wd
    printf "  with the library:    %8.1f ns    %8.1f ns\n", h, d
    printf "  added:               %8.1f ns    %8.1f ns (goal: a few tens of ns at most)\n", h - wh, d - wd
}'
