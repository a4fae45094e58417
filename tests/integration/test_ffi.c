/* libcurl wherever it is: driven through an FFI (Python ctypes: dlsym on libcurl's own
   handle), loaded RTLD_LOCAL under a soname nobody could list, and two flavours in one
   process, each handle's calls going to the libcurl that made it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* What every run of this suite starts from. */
#define FFI_RETRIES "TRYAGAIN_BASE_DELAY_MS=20", "TRYAGAIN_MAX_DELAY_MS=50", "TRYAGAIN_LOG=1"
#define PYTHON "/usr/bin/python3"
#define LATE_MS 400

static struct server server;
static struct run_result run;
static struct late_listener listener;

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    late_listener_stop(&listener);
    return 0;
}

#define EXPECT(condition) ASSERT_SHOWING_RUN(&run, condition)

static const char *ctypes_fetch(void)
{
    return source_path("tests/programs/ctypes_fetch.py", 1);
}

static const char *url(const char *path, int slot)
{
    return server_url(&server, path, slot);
}

static const char *reach(const char *name, int slot)
{
    static char paths[4][512];
    snprintf(paths[slot % 4], sizeof(paths[0]), "%s%s", build_path("tests/reach/", 2), name);
    return paths[slot % 4];
}

static void ctypes_transfers_are_retried(void **state)
{
    (void)state;
    server_start(&server, "/plain: 503 body=down | 200 body=up\n"
                          "/py: 429 ra=0 | 503 | 200 body=from-ctypes\n");
    /* Without the library ctypes gets the 503. */
    run_program(&run, ARGV(PYTHON, ctypes_fetch(), "libcurl.so.4", url("/plain", 0)), NULL, NULL, 0,
                false);
    assert_run_output(&run, "libcurl.so.4 ssl_ctx=0 rc=0 status=503 body=down\n");
    run_result_free(&run);
    run_program(&run, ARGV(PYTHON, ctypes_fetch(), "libcurl.so.4", url("/py", 0)), ENV(FFI_RETRIES),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "libcurl.so.4 ssl_ctx=0 rc=0 status=200 body=from-ctypes\n");
    assert_int_equal(server_requests(&server, "/py"), 3);
}

static void ctypes_drives_both_flavours_each_to_its_own(void **state)
{
    (void)state;
    server_start(&server, "/o: 503 | 200 body=openssl\n"
                          "/g: 503 | 429 ra=0 | 200 body=gnutls\n");
    run_program(&run,
                ARGV(PYTHON, ctypes_fetch(), "libcurl.so.4", url("/o", 0), "libcurl-gnutls.so.4",
                     url("/g", 1)),
                ENV(FFI_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "libcurl.so.4 ssl_ctx=0 rc=0 status=200 body=openssl\n"
                            "libcurl-gnutls.so.4 ssl_ctx=4 rc=0 status=200 body=gnutls\n");
    assert_int_equal(server_requests(&server, "/o"), 2);
    assert_int_equal(server_requests(&server, "/g"), 3);
}

static void a_renamed_libcurl_is_found_by_ctypes_and_by_a_plugin(void **state)
{
    (void)state;
    if(access(reach("libkurl.so.4", 0), R_OK) != 0) {
        fprintf(stderr, "skipped: no libcurl.so.4 to copy\n");
        return;
    }
    server_start(&server, "/k: 503 | 200 body=kurl\n"
                          "/p: 503 | 200 body=plugin\n");
    run_program(&run, ARGV(PYTHON, ctypes_fetch(), reach("libkurl.so.4", 0), url("/k", 0)),
                ENV(FFI_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(strstr(run.out, "libkurl.so.4 ssl_ctx=0 rc=0 status=200 body=kurl\n"));
    assert_int_equal(server_requests(&server, "/k"), 2);
    run_result_free(&run);
    /* A plugin loaded RTLD_LOCAL that links the copy: its calls reach the hooks by the loader's
       binding, and the hooks find the copy from the plugin's own dependencies. */
    run_program(&run,
                ARGV(build_path("tests/tools/dlopen_curl", 3), "plugin",
                     reach("libkurl_plugin.so", 1), url("/p", 0)),
                ENV(FFI_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "inner status=200 body=plugin\n");
    assert_int_equal(server_requests(&server, "/p"), 2);
}

static void two_flavours_in_one_program_each_reach_their_own(void **state)
{
    (void)state;
    if(access(reach("two_flavours", 0), X_OK) != 0) {
        fprintf(stderr, "skipped: the GnuTLS flavour (libcurl3-gnutls) is not installed\n");
        return;
    }
    server_start(&server, "/own: 503 | 200 body=own\n"
                          "/plugin: 429 ra=0 | 503 | 200 body=plugin\n");
    run_program(&run,
                ARGV(reach("two_flavours", 0), reach("libinner_gnutls.so", 1), url("/own", 0),
                     url("/plugin", 1)),
                ENV(FFI_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "own ssl_ctx=0\n"
                            "plugin ssl_ctx=4\n"
                            "own rc=0 status=200 body=own\n"
                            "inner status=200 body=plugin\n");
    assert_int_equal(server_requests(&server, "/own"), 2);
    assert_int_equal(server_requests(&server, "/plugin"), 3);
}

/* connect taken from libc's handle through ctypes: answered with the connect hook. */
static void ctypes_connect_from_libc_waits_for_a_late_server(void **state)
{
    (void)state;
    late_listener_start(&listener, LATE_MS);
    char script[1024];
    snprintf(script, sizeof(script),
             "import ctypes, socket, struct\n"
             "libc = ctypes.CDLL('libc.so.6', use_errno=True)\n"
             "s = socket.socket()\n"
             "address = struct.pack('<HH4s8x', socket.AF_INET, socket.htons(%d), "
             "socket.inet_aton('127.0.0.1'))\n"
             "rc = libc.connect(s.fileno(), address, len(address))\n"
             "print('rc=%%d read=%%s' %% (rc, s.recv(16).decode() if rc == 0 else ''), end='')\n",
             listener.port);
    run_program(&run, ARGV(PYTHON, "-c", script), ENV(FFI_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=40"),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "rc=0 read=hello\n");
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    assert_int_equal(late_listener_stop(&listener), 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
    const struct CMUnitTest tests[] = {
        T(ctypes_transfers_are_retried),
        T(ctypes_drives_both_flavours_each_to_its_own),
        T(a_renamed_libcurl_is_found_by_ctypes_and_by_a_plugin),
        T(two_flavours_in_one_program_each_reach_their_own),
        T(ctypes_connect_from_libc_waits_for_a_late_server),
    };
#undef T
    return cmocka_run_group_tests_name("FFI and libcurl objects", tests, NULL, NULL);
}
