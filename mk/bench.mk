# make bench: every benchmark in scripts/ (scripts/bench.sh), side by side with and without the
# library in one run; writes docs/benchmarks.md and docs/herd.png. Installs what it needs
# (nginx, valgrind, hyperfine, gnuplot) with apt-get, and builds into a private directory of
# its own (so a make in build/ cannot change the library mid-run). Not part of make check.
.PHONY: bench
bench:
	scripts/bench.sh

# The least a preloaded hook can cost (tests/bench/floor_preload.c), measured beside the library
# by scripts/bench_multi.sh: floor_route.so only passes calls on to the caller's libcurl,
# floor_gate.so also puts forwarding write and header callbacks in place.
FLOOR_SRC := tests/bench/floor_preload.c
FLOOR_LIBS := $(BUILD)/tests/bench/floor_bare.so $(BUILD)/tests/bench/floor_route.so \
              $(BUILD)/tests/bench/floor_gate.so
FLOOR_FLAGS = $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -shared -fvisibility=hidden -ftls-model=initial-exec
$(BUILD)/tests/bench/floor_route.so: $(FLOOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(FLOOR_FLAGS) -o $@ $< -ldl -lpthread
$(BUILD)/tests/bench/floor_gate.so: $(FLOOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(FLOOR_FLAGS) -DFLOOR_GATE -o $@ $< -ldl -lpthread
.PHONY: floor
floor: $(FLOOR_LIBS)
$(BUILD)/tests/bench/floor_bare.so: $(FLOOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(FLOOR_FLAGS) -DFLOOR_BARE -o $@ $< -ldl -lpthread
