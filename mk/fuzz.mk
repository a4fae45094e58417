# libFuzzer targets for the parsers and pure decisions (docs/fuzzing.md).
#   make fuzz         every target for FUZZ_SECONDS (20 s) each: the short run CI does
#   make fuzz-long    every target for FUZZ_LONG_SECONDS (600 s) each
#   make fuzz-build   just the binaries, in build/fuzz/
# Everything here is compiled by clang from the sources, never taken from the gcc objects:
# libFuzzer needs its coverage instrumentation in the code under test. scripts/fuzz.sh installs
# clang and libFuzzer's runtime when they are missing, and runs the targets.

FUZZ_CC           ?= clang
FUZZ_SECONDS      ?= 20
FUZZ_LONG_SECONDS ?= 600
FUZZ_BUILD        := $(BUILD)/fuzz

# The pure modules (PURE_SRCS, from the Makefile), built once with clang's coverage and
# sanitizers into an archive: each target pulls in only the modules it reaches, and a module
# split in two tomorrow needs no change here.
# UBSan findings must stop the run like ASan's do, or they would only scroll past in a log.
FUZZ_SANITIZE     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS       := -g -O1 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -Isrc -Itests/fuzz
FUZZ_OBJS         := $(PURE_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_ARCHIVE      := $(FUZZ_BUILD)/libtryagain_pure.a

FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-long fuzz-build fuzz-toolchain

# Order-only below, so installing (or finding) the toolchain never forces a rebuild.
fuzz-toolchain:
	@scripts/fuzz.sh toolchain

$(FUZZ_BUILD)/obj/%.o: src/%.c | fuzz-toolchain
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<

$(FUZZ_ARCHIVE): $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_ARCHIVE) | fuzz-toolchain
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer $(DEPFLAGS) -o $@ $< $(FUZZ_ARCHIVE)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-long: fuzz-build
	@scripts/fuzz.sh run $(FUZZ_LONG_SECONDS) $(FUZZ_BINS)
