# make bench: every benchmark in scripts/ (scripts/bench.sh), side by side with and without the
# library in one run; writes docs/benchmarks.md and docs/herd.png. Installs what it needs
# (nginx, valgrind, hyperfine, gnuplot) with apt-get, and builds into a private directory of
# its own (so a make in build/ cannot change the library mid-run). Not part of make check.
.PHONY: bench
bench:
	scripts/bench.sh

# The least a preloaded hook can cost (tests/bench/floor_preload.c), measured beside the library
# by scripts/bench_multi.sh: floor_bare.so only jumps on to libcurl, floor_route.so routes each
# call to its caller's libcurl, floor_gate.so also puts forwarding write and header callbacks in
# place, floor_got.so settles the routing of curl_easy_setopt once per calling object, in its
# GOT slot.
FLOOR_SRC := tests/bench/floor_preload.c
FLOOR_FLAGS = $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -shared -fvisibility=hidden -ftls-model=initial-exec
FLOOR_DEFINES_bare := -DFLOOR_BARE
FLOOR_DEFINES_route :=
FLOOR_DEFINES_gate := -DFLOOR_GATE
FLOOR_DEFINES_got := -DFLOOR_GATE -DFLOOR_GOT
FLOOR_LIBS := $(foreach floor,bare route gate got,$(BUILD)/tests/bench/floor_$(floor).so)
$(BUILD)/tests/bench/floor_%.so: $(FLOOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(FLOOR_FLAGS) $(FLOOR_DEFINES_$*) -o $@ $< -ldl -lpthread
.PHONY: floor
floor: $(FLOOR_LIBS)
