# What tests/integration/test_dl_reach.c and test_php.c load (issue 10): libraries in the ways
# programs really bind symbols, built into $(BUILD)/tests/reach and made prerequisites of
# `make integration` and `make sanitize` below.
#   libdeep_*.so        tests/reach/deep_lib.c (libcurl and connect()) in five binding styles
#   libinner*.so        a library loaded from inside a DEEPBIND group, and its GnuTLS twin
#   liborigin_caller.so dlopens by $ORIGIN and by its RUNPATH, next to its two targets
#   libkurl.so.4        a copy of libcurl.so.4 whose soname is changed: a libcurl under a name
#                       nobody could list, and libkurl_plugin.so, which links it
#   two_flavours        links libcurl.so.4 and loads libinner_gnutls.so
#   libtryagain-cstubs.so  the library with dlopen/dlsym in C instead of assembly, compiled at
#                       -O0 (the worst case for tail calls), so the $ORIGIN tests check the C
#                       fallback's tail calls too
#   go_hello            a Go program, when a Go toolchain is installed (golang-go)

REACH_DIR := $(BUILD)/tests/reach
REACH_VARIANTS := lazy now relro fullrelro noplt
REACH_CURL_SO ?= $(firstword $(wildcard /usr/lib/*-linux-gnu/libcurl.so.4 /usr/lib64/libcurl.so.4 /usr/lib/libcurl.so.4))
REACH_GO := $(shell command -v go 2>/dev/null)

REACH_FILES := $(REACH_VARIANTS:%=$(REACH_DIR)/libdeep_%.so) $(REACH_DIR)/libinner.so \
    $(REACH_DIR)/liborigin_caller.so $(REACH_DIR)/origin/libreach_target.so \
    $(REACH_DIR)/runpath/libreach_rp_target.so $(REACH_DIR)/libtryagain-cstubs.so \
    $(if $(CURL_GNUTLS_SO),$(REACH_DIR)/libinner_gnutls.so $(REACH_DIR)/two_flavours) \
    $(if $(REACH_CURL_SO),$(REACH_DIR)/libkurl.so.4 $(REACH_DIR)/libkurl_plugin.so) \
    $(if $(REACH_GO),$(REACH_DIR)/go_hello)

.PHONY: reach-build
reach-build: $(REACH_FILES)
integration: reach-build
sanitize-build: reach-build

REACH_CC = $(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -shared -fPIC

# The binding styles: lazy PLT slots, bound at load (-z now), partial RELRO (GOT writable after
# start), full RELRO (read-only after start), and calls through the GOT with no PLT at all.
REACH_LDFLAGS_lazy      := -Wl,-z,lazy -Wl,-z,norelro
REACH_LDFLAGS_now       := -Wl,-z,now -Wl,-z,norelro
REACH_LDFLAGS_relro     := -Wl,-z,lazy -Wl,-z,relro
REACH_LDFLAGS_fullrelro := -Wl,-z,now -Wl,-z,relro
REACH_LDFLAGS_noplt     := -fno-plt -Wl,-z,now -Wl,-z,relro

$(REACH_DIR)/libdeep_%.so: tests/reach/deep_lib.c
	@mkdir -p $(@D)
	$(REACH_CC) $(REACH_LDFLAGS_$*) -o $@ $< -lcurl

$(REACH_DIR)/libinner.so: tests/reach/inner_lib.c
	@mkdir -p $(@D)
	$(REACH_CC) -o $@ $< -lcurl

$(REACH_DIR)/libinner_gnutls.so: tests/reach/inner_lib.c
	@mkdir -p $(@D)
	$(REACH_CC) -o $@ $< $(CURL_GNUTLS_SO)

$(REACH_DIR)/two_flavours: tests/reach/two_flavours.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(SAN_FLAGS) -o $@ $< -lcurl

# RUNPATH (new dtags), not RPATH: the kind a dlopen from this very object uses.
$(REACH_DIR)/liborigin_caller.so: tests/reach/origin_caller.c
	@mkdir -p $(@D)
	$(REACH_CC) -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/runpath' -o $@ $<

$(REACH_DIR)/origin/libreach_target.so: tests/reach/reach_target.c
	@mkdir -p $(@D)
	$(REACH_CC) -DTARGET_NAME='"origin"' -o $@ $<

$(REACH_DIR)/runpath/libreach_rp_target.so: tests/reach/reach_target.c
	@mkdir -p $(@D)
	$(REACH_CC) -DTARGET_NAME='"runpath"' -o $@ $<

# Same length, so the copy stays a valid ELF file: only DT_SONAME's text changes.
$(REACH_DIR)/libkurl.so.4: $(REACH_CURL_SO)
	@mkdir -p $(@D)
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
	    open(sys.argv[2], "wb").write(d.replace(b"libcurl.so.4\0", b"libkurl.so.4\0"))' $< $@

$(REACH_DIR)/libkurl_plugin.so: tests/reach/inner_lib.c $(REACH_DIR)/libkurl.so.4
	@mkdir -p $(@D)
	$(REACH_CC) -o $@ $< $(REACH_DIR)/libkurl.so.4 -Wl,-rpath,'$$ORIGIN'

REACH_CSTUBS_OBJ := $(REACH_DIR)/cstubs/dl_stubs.o
$(REACH_CSTUBS_OBJ): src/runtime/dl_stubs.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -O0 $(SAN_FLAGS) $(DEPFLAGS) -DTRYAGAIN_DL_STUBS_IN_C -fPIC \
	    -fvisibility=hidden -ftls-model=initial-exec -c -o $@ $<

$(REACH_DIR)/libtryagain-cstubs.so: $(filter-out %/dl_stubs.o,$(LIB_OBJS)) $(REACH_CSTUBS_OBJ) src/exports.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(filter %.o,$^) -Wl,--version-script=src/exports.map -Wl,-z,defs \
	    -Wl,--as-needed $(SAN_FLAGS) -ldl -lpthread

$(REACH_DIR)/go_hello: tests/reach/go_hello.go
	@mkdir -p $(@D)
	cd $(@D) && GOCACHE=$(abspath $(REACH_DIR))/gocache GOPATH=$(abspath $(REACH_DIR))/gopath \
	    GOFLAGS=-mod=mod GO111MODULE=off $(REACH_GO) build -o $(abspath $@) $(abspath $<)
