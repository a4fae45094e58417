# make valgrind: /usr/bin/curl, wget, python3 with pycurl and the test programs under valgrind
# memcheck with the library preloaded, while retries happen (tests/stress/test_valgrind.c).
# Fails on any memcheck error, and on any leak whose stack holds a frame of the library.

VALGRIND_TEST := $(BUILD)/tests/stress/test_valgrind

.PHONY: valgrind
valgrind: all $(PROGRAMS) $(TOOLS) $(VALGRIND_TEST)
	@command -v valgrind >/dev/null || \
	    { echo "make valgrind: valgrind is not installed (apt-get install valgrind)"; exit 1; }
	@status=0; $(call run_suite,$(VALGRIND_TEST),TRYAGAIN_BUILD=$(abspath $(BUILD))); exit $$status

$(VALGRIND_TEST): tests/stress/test_valgrind.c $(HARNESS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/integration $(WARN) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< $(HARNESS) -lcmocka
