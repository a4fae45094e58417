# make stress: tests/stress/test_stress.c (threads, fork, the log file reopened under logging
# threads, late and early libcurl, other preload libraries) against the normal build, then its
# thread, fork and log tests again with the library and the stress program built with
# ThreadSanitizer (scripts/sanitize-thread.sh).
# The tests live outside tests/integration so that `make integration` stays quick.

STRESS_DIR     := $(BUILD)/tests/stress
STRESS_TEST    := $(STRESS_DIR)/test_stress
STRESS_HELPERS := $(STRESS_DIR)/ctor_transfer.so $(STRESS_DIR)/interposer.so $(STRESS_DIR)/ctor_main


.PHONY: stress stress-threads-tsan tsan-build
# The ThreadSanitizer half runs even when the first one failed; the target fails if either did.
stress: all $(PROGRAMS) $(TOOLS) $(STRESS_TEST) $(STRESS_HELPERS)
	@status=0; $(call run_suite,$(STRESS_TEST),TRYAGAIN_BUILD=$(abspath $(BUILD))); \
	    $(MAKE) --no-print-directory stress-threads-tsan || status=1; exit $$status

# The harness finds the sources at $(TSAN_BUILD)/.., so the build sits beside build/.
stress-threads-tsan: $(STRESS_TEST)
	$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    SAN_FLAGS='-fsanitize=thread' tsan-build
	scripts/sanitize-thread.sh $(TSAN_BUILD) $(STRESS_TEST)

# Meant to be reached through stress-threads-tsan, which sets BUILD and the flags.
tsan-build: $(LIBRARY) $(BUILD)/tests/programs/stress_client

$(STRESS_TEST): tests/stress/test_stress.c $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/integration $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< $(HARNESS) -lcmocka

$(STRESS_DIR)/ctor_transfer.so: tests/stress/ctor_transfer.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -shared -fPIC -o $@ $< -lcurl

$(STRESS_DIR)/interposer.so: tests/stress/interposer.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -shared -fPIC -o $@ $< -ldl

# Linked with the constructor library (kept although main() calls nothing in it), found next to
# it at run time.
$(STRESS_DIR)/ctor_main: tests/stress/ctor_main.c $(STRESS_DIR)/ctor_transfer.so
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< -Wl,--no-as-needed $(STRESS_DIR)/ctor_transfer.so \
	    -Wl,-rpath,'$$ORIGIN'
