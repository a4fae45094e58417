# make sanitize: the library, the command, every unit test, test program, tool and integration
# test built with AddressSanitizer and UndefinedBehaviorSanitizer into build-sanitize, then run
# by scripts/sanitize.sh (unit tests as they are; integration tests with the sanitizer runtime
# preloaded ahead of the library). Any sanitizer report fails the run.

# One level below the source tree: the harness finds the sources at $(BUILD)/..

SANITIZE_CFLAGS := -O1 -g -fno-omit-frame-pointer
SANITIZE_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: sanitize sanitize-build
sanitize:
	$(MAKE) --no-print-directory BUILD=$(SANITIZE_BUILD) CFLAGS='$(SANITIZE_CFLAGS)' \
	    SAN_FLAGS='$(SANITIZE_FLAGS)' sanitize-build
	scripts/sanitize.sh $(SANITIZE_BUILD)

# Meant to be reached through `make sanitize`, which sets BUILD and the flags.
sanitize-build: all $(UNIT_BINS) $(ITEST_BINS) $(PROGRAMS) $(TOOLS) $(BUILD)/asan_initfirst.so

# Not instrumented: it runs before the ASan runtime is ready (see its source for why it exists).
$(BUILD)/asan_initfirst.so: tests/stress/asan_initfirst.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g -shared -fPIC -Wl,-z,initfirst -o $@ $<
