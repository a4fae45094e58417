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

LIB_SRCS  := $(sort $(wildcard src/*.c))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/lib/%.o)
LIBRARY   := $(BUILD)/libtryagain.so

# Pure modules that unit tests link directly (no hooks, no dlsym).
PURE_SRCS := $(filter-out src/hook_%.c src/real.c src/runtime.c src/transfer.c,$(LIB_SRCS))
PURE_OBJS := $(PURE_SRCS:src/%.c=$(BUILD)/obj/pure/%.o)

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

$(LIBRARY): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $^ -Wl,--version-script=src/exports.map -Wl,-z,defs -Wl,--as-needed $(SAN_FLAGS) -ldl -lpthread

# initial-exec TLS: the library is preloaded, so its thread-locals sit in static TLS and are
# read without a call to __tls_get_addr on every transfer and every failed connect().
$(BUILD)/obj/lib/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -fPIC -fvisibility=hidden \
	    -ftls-model=initial-exec -c -o $@ $<

$(BUILD)/obj/pure/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c -o $@ $<

$(LAUNCHER): $(LAUNCHER_SRCS) $(PURE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/launcher $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $(LAUNCHER_SRCS) $(PURE_OBJS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(PURE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(PURE_OBJS) -lcmocka -lm

# Launcher unit tests also link the launcher's files, all but the one with main().
LAUNCHER_TESTED_SRCS := $(filter-out src/launcher/main.c,$(LAUNCHER_SRCS))
$(BUILD)/tests/unit/test_launcher_%: tests/unit/test_launcher_%.c $(LAUNCHER_TESTED_SRCS) \
                                      $(wildcard src/launcher/*.h) $(PURE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/launcher $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< \
	    $(LAUNCHER_TESTED_SRCS) $(PURE_OBJS) -lcmocka -lm

$(BUILD)/tests/integration/%: tests/integration/%.c $(HARNESS) tests/integration/harness.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/integration $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(HARNESS) -lcmocka

$(BUILD)/tests/programs/%-gnutls: tests/programs/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(CURL_GNUTLS_SO) -lpthread

$(BUILD)/tests/programs/%: tests/programs/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< -lcurl -lpthread

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< -lpthread

# Statically linked tools (tryagain doctor's tests); libc.a comes with libc6-dev. No sanitizers:
# they need the dynamic loader.
$(BUILD)/tests/tools/static_%: tests/tools/static_%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -static -o $@ $<

integration: all $(ITEST_BINS) $(PROGRAMS) $(TOOLS)
	@set -e; for t in $(ITEST_BINS); do echo "== $$t"; TRYAGAIN_BUILD=$(abspath $(BUILD)) $$t; done

check: unit integration

demo: all
	scripts/demo.sh

clean:
	rm -rf $(BUILD) build-sanitize build-tsan

-include $(wildcard $(BUILD)/obj/*/*.d)

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
