# tryagain: GNU make, no configure step.
#   make            build/libtryagain.so and build/tryagain
#   make check      unit tests (no preload) and integration tests (real programs, LD_PRELOAD)

CC      ?= cc
BUILD   ?= build
CFLAGS  ?= -O2 -g
WARN    := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
DEPFLAGS = -MMD -MP
CPPFLAGS += -D_GNU_SOURCE -Isrc
SAN_FLAGS ?=

# The library's folders, each with one role (README, "Development"):
#   policy/   pure decisions and parsers: no I/O, no globals, no libcurl calls
#   curl/     the libcurl hooks and what they keep per handle
#   connect/  the connect() hook and its retry loop
#   runtime/  what the whole process shares: real symbols, log, stats, clock, fork safety
#   coordinate/ what the processes of one user share per host: the mapped state file
LIB_DIRS  := policy curl connect runtime coordinate
LIB_SRCS  := $(sort $(foreach dir,$(LIB_DIRS),$(wildcard src/$(dir)/*.c)))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/lib/%.o)
LIBRARY   := $(BUILD)/libtryagain.so

# The pure set, linked into unit tests, fuzzers and the launcher without any preload: every
# file of src/policy/, and the gate (curl/), a state machine with no I/O of its own that is
# fuzzed against a model. A new file elsewhere is never pure by accident.
PURE_SRCS := $(sort $(wildcard src/policy/*.c)) src/curl/gate.c
PURE_OBJS := $(PURE_SRCS:src/%.c=$(BUILD)/obj/pure/%.o)
# An archive, so that each program takes only the modules it calls.
PURE_LIB  := $(BUILD)/obj/pure/libpure.a

LAUNCHER_SRCS := $(sort $(wildcard src/launcher/*.c))
LAUNCHER := $(BUILD)/tryagain

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

ITEST_SRCS := $(sort $(wildcard tests/integration/test_*.c))
ITEST_BINS := $(ITEST_SRCS:tests/integration/%.c=$(BUILD)/tests/integration/%)
HARNESS    := tests/integration/harness.c

PROGRAM_SRCS := $(sort $(wildcard tests/programs/*.c))
# Each test program is built twice: against libcurl.so.4 (OpenSSL flavour, references
# @CURL_OPENSSL_4) and against the GnuTLS flavour's runtime file (@CURL_GNUTLS_3), since the
# two -dev packages cannot be installed together.
CURL_GNUTLS_SO ?= $(firstword $(wildcard /usr/lib/*-linux-gnu/libcurl-gnutls.so.4 /usr/lib64/libcurl-gnutls.so.4 /usr/lib/libcurl-gnutls.so.4))
PROGRAMS := $(PROGRAM_SRCS:tests/programs/%.c=$(BUILD)/tests/programs/%) \
            $(if $(CURL_GNUTLS_SO),$(PROGRAM_SRCS:tests/programs/%.c=$(BUILD)/tests/programs/%-gnutls))

# Plain helper programs for tests (no libcurl): a socket client, a program that forks...
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOLS     := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
MANDIR  ?= $(PREFIX)/share/man

.PHONY: all check unit integration clean install uninstall demo
all: $(LIBRARY) $(if $(LAUNCHER_SRCS),$(LAUNCHER))

$(LIBRARY): $(LIB_OBJS) src/exports.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(LIB_OBJS) -Wl,--version-script=src/exports.map -Wl,-z,defs -Wl,--as-needed $(SAN_FLAGS) -ldl -lpthread

# initial-exec TLS: the library is preloaded, so its thread-locals sit in static TLS and are
# read without a call to __tls_get_addr on every transfer and every failed connect().
$(BUILD)/obj/lib/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -fPIC -fvisibility=hidden \
	    -ftls-model=initial-exec -c -o $@ $<

$(BUILD)/obj/pure/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c -o $@ $<

$(PURE_LIB): $(PURE_OBJS)
	@rm -f $@
	ar rcs $@ $^

LAUNCHER_OBJS := $(LAUNCHER_SRCS:src/%.c=$(BUILD)/obj/%.o)
$(BUILD)/obj/launcher/%.o: src/launcher/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/launcher $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c -o $@ $<

# tryagain status reads the shared state file with the library's own code for it.
LAUNCHER_SHARED := $(BUILD)/obj/launcher-coordinate/shared_file.o
$(LAUNCHER_SHARED): src/coordinate/shared_file.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c -o $@ $<

$(LAUNCHER): $(LAUNCHER_OBJS) $(LAUNCHER_SHARED) $(PURE_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^

$(BUILD)/tests/unit/%: tests/unit/%.c $(PURE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< $(PURE_LIB) -lcmocka -lm

# Launcher unit tests also link the launcher's objects, all but the one with main().
LAUNCHER_TESTED_OBJS := $(filter-out $(BUILD)/obj/launcher/main.o,$(LAUNCHER_OBJS)) $(LAUNCHER_SHARED)
$(BUILD)/tests/unit/test_launcher_%: tests/unit/test_launcher_%.c $(LAUNCHER_TESTED_OBJS) $(PURE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/launcher $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< \
	    $(LAUNCHER_TESTED_OBJS) $(PURE_LIB) -lcmocka -lm

$(BUILD)/tests/integration/%: tests/integration/%.c $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/integration $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< $(HARNESS) -lcmocka

$(BUILD)/tests/programs/%-gnutls: tests/programs/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< $(CURL_GNUTLS_SO) -lpthread

$(BUILD)/tests/programs/%: tests/programs/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< -lcurl -lpthread

# $(call run_suite,BINARY[,ENV]) runs one test binary in a recipe that keeps its verdict in the
# shell variable status. It prints "== BINARY" first and, on a non-zero exit,
# "== BINARY: FAILED (exit status N)", which scripts/check.sh counts: a binary that dies before
# cmocka's summary (a crash, a sanitizer's exit code) is a failure too. The sanitizer scripts
# print the same two lines (scripts/lib/sanitizer_reports.sh).
run_suite = echo "== $(1)"; $(2) $(1) || { echo "== $(1): FAILED (exit status $$?)"; status=1; }

# Every suite runs even when an earlier one fails; the target fails if any did.
unit: $(UNIT_BINS)
	@status=0; for t in $(UNIT_BINS); do $(call run_suite,$$t); done; exit $$status

$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< -lpthread

# Statically linked tools (tryagain doctor's tests); libc.a comes with libc6-dev. No sanitizers:
# they need the dynamic loader.
$(BUILD)/tests/tools/static_%: tests/tools/static_%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(DEPFLAGS) -static -o $@ $<

integration: all $(ITEST_BINS) $(PROGRAMS) $(TOOLS)
	@status=0; for t in $(ITEST_BINS); do \
	    $(call run_suite,$$t,TRYAGAIN_BUILD=$(abspath $(BUILD))); done; exit $$status

# make check runs both halves even when the first fails.
check:
	@status=0; $(MAKE) --no-print-directory unit || status=1; \
	    $(MAKE) --no-print-directory integration || status=1; exit $$status

demo: all
	scripts/demo.sh

# Every build folder, named once: the default build, the sanitizer builds (mk/*.mk use these
# names) and the benchmarks' private build lives in a temporary directory of its own.
SANITIZE_BUILD := build-sanitize
TSAN_BUILD     := build-tsan
BUILD_FOLDERS  := $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD)
clean:
	rm -rf $(BUILD_FOLDERS)

# Headers are dependencies: every object and test binary writes a .d file next to itself.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Larger jobs (sanitizers, stress, fuzzing, benchmarks) each keep their rules in a file of its own.
include $(sort $(wildcard mk/*.mk))

# The command finds its library at BINDIR/../lib/tryagain/, so LIBDIR must sit next to BINDIR.
# The library gets a directory of its own: it is preloaded by path, never linked against.
install: all
	@test "$(abspath $(LIBDIR))" = "$(abspath $(BINDIR)/../lib)" || \
	    { echo "make install: tryagain looks for its library in BINDIR/../lib/tryagain;" \
	           "LIBDIR must be $(abspath $(BINDIR)/../lib)"; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/tryagain $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(LAUNCHER) $(DESTDIR)$(BINDIR)/tryagain
	install -m 644 $(LIBRARY) $(DESTDIR)$(LIBDIR)/tryagain/libtryagain.so
	install -m 644 docs/tryagain.1 $(DESTDIR)$(MANDIR)/man1/tryagain.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tryagain $(DESTDIR)$(LIBDIR)/tryagain/libtryagain.so \
	    $(DESTDIR)$(MANDIR)/man1/tryagain.1
	rmdir $(DESTDIR)$(LIBDIR)/tryagain 2>/dev/null || true

# The style is .clang-format's (Debian's clang-format 14); CI fails on any difference.
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
.PHONY: format format-check
format:
	clang-format -i $(FORMAT_FILES)

# With no file to check, clang-format would read stdin: outside a git checkout there is nothing.
format-check:
	@command -v clang-format >/dev/null || \
	    { echo "make format-check: clang-format is not installed (apt-get install clang-format)"; exit 1; }
	@test -n "$(FORMAT_FILES)" || { echo "make format-check: no file found (git ls-files)"; exit 1; }
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: every file matches .clang-format"
