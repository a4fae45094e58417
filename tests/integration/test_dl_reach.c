/* Hooks reach code loaded with RTLD_DEEPBIND (as PHP loads its extensions), and the loads made
   from inside such a group, while dlopen and dlsym keep every other answer: $ORIGIN and
   RUNPATH resolve as without the library, dlerror() text and RTLD_NOLOAD are unchanged.
   The libraries come from tests/reach/ (mk/reach.mk), the host program is tests/tools/dl_host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* What every run of this suite starts from. */
#define REACH_RETRIES "TRYAGAIN_BASE_DELAY_MS=20", "TRYAGAIN_MAX_DELAY_MS=50", "TRYAGAIN_LOG=1"
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

/* The ASan runtime refuses RTLD_DEEPBIND by itself (it aborts the dlopen before the library
   sees it), so the sanitizer run skips what needs the flag. */
static bool deepbind_refused_by_sanitizer(void)
{
    const char *first = getenv("TRYAGAIN_TEST_PRELOAD_FIRST");
    if(!first || !strstr(first, "libasan"))
        return false;
    fprintf(stderr, "skipped: libasan, preloaded first, refuses RTLD_DEEPBIND itself\n");
    return true;
}

static const char *host(void)
{
    return build_path("tests/tools/dl_host", 1);
}

static const char *reach(const char *name, int slot)
{
    static char paths[4][512];
    snprintf(paths[slot % 4], sizeof(paths[0]), "%s", build_path("tests/reach/", 2));
    strncat(paths[slot % 4], name, sizeof(paths[0]) - strlen(paths[slot % 4]) - 1);
    return paths[slot % 4];
}

static void every_binding_style_is_reached_through_deepbind(void **state)
{
    (void)state;
    if(deepbind_refused_by_sanitizer())
        return;
    static const char *const styles[] = {"lazy", "now", "relro", "fullrelro", "noplt"};
    server_start(&server, "/lazy: 503 | 429 ra=0 | 200 body=lazy\n"
                          "/now: 503 | 429 ra=0 | 200 body=now\n"
                          "/relro: 503 | 429 ra=0 | 200 body=relro\n"
                          "/fullrelro: 503 | 429 ra=0 | 200 body=fullrelro\n"
                          "/noplt: 503 | 429 ra=0 | 200 body=noplt\n");
    for(size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
        char library[64], path[32], expected[64];
        snprintf(library, sizeof(library), "libdeep_%s.so", styles[i]);
        snprintf(path, sizeof(path), "/%s", styles[i]);
        snprintf(expected, sizeof(expected), "status=200 body=%s\n", styles[i]);
        run_program(&run,
                    ARGV(host(), "fetch", reach(library, 0), server_url(&server, path, 0), "deep"),
                    ENV(REACH_RETRIES), NULL, 0, true);
        EXPECT(run.exit_status == 0);
        assert_run_output(&run, expected);
        assert_int_equal(server_requests(&server, path), 3);
        run_result_free(&run);
    }
}

static void keeping_deepbind_leaves_the_group_unreached(void **state)
{
    (void)state;
    if(deepbind_refused_by_sanitizer())
        return;
    server_start(&server, "/kept: 503 body=down | 200 body=up\n");
    run_program(
        &run,
        ARGV(host(), "fetch", reach("libdeep_now.so", 0), server_url(&server, "/kept", 0), "deep"),
        ENV(REACH_RETRIES, "TRYAGAIN_KEEP_DEEPBIND=1"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=503 body=down\n");
    assert_int_equal(server_requests(&server, "/kept"), 1);
}

static void a_blocking_connect_inside_a_deepbind_group_waits(void **state)
{
    (void)state;
    if(deepbind_refused_by_sanitizer())
        return;
    late_listener_start(&listener, LATE_MS);
    char port[16];
    snprintf(port, sizeof(port), "%d", listener.port);
    run_program(&run, ARGV(host(), "connect", reach("libdeep_fullrelro.so", 0), port),
                ENV(REACH_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "connect=0 read=hello\n");
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(strstr(run.err, "Connection refused (ECONNREFUSED), attempt 1, "));
    assert_int_equal(late_listener_stop(&listener), 1);
}

static void a_load_from_inside_a_deepbind_group_is_reached(void **state)
{
    (void)state;
    if(deepbind_refused_by_sanitizer())
        return;
    server_start(&server, "/inner: 429 ra=0 | 503 | 200 body=inner\n");
    run_program(&run,
                ARGV(host(), "nested", reach("libdeep_lazy.so", 0), reach("libinner.so", 1),
                     server_url(&server, "/inner", 0)),
                ENV(REACH_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "inner status=200 body=inner\n");
    assert_int_equal(server_requests(&server, "/inner"), 3);
}

/* The same output with and without the library: the loads resolve from the caller's own
   $ORIGIN and RUNPATH, which only a jump to the C library's dlopen keeps. In the sanitizer
   run the programs are built with ASan, whose own dlopen interceptor calls the real dlopen
   from itself, so there even the run without the library resolves from the wrong place: the
   two runs are then only compared with each other. */
static void assert_origin_loads_as_without_library(const char *preload)
{
    const char *first = getenv("TRYAGAIN_TEST_PRELOAD_FIRST");
    const char *how = first ? "local" : "deep";
    static const char expected[] = "$ORIGIN/origin/libreach_target.so: origin\n"
                                   "libreach_rp_target.so: runpath\n"
                                   "program $ORIGIN: loaded\n";
    run_program(&run, ARGV(host(), "origin", reach("liborigin_caller.so", 0), how), NULL, NULL, 0,
                false);
    char *without = strdup(run.out);
    if(!first || !strstr(first, "libasan"))
        assert_run_output(&run, expected);
    else if(strcmp(without, expected))
        fprintf(stderr, "note: under ASan even the run without the library resolves $ORIGIN "
                        "from ASan's interceptor; comparing the two runs only\n");
    run_result_free(&run);
    if(preload) {
        char variable[1200];
        snprintf(variable, sizeof(variable), "LD_PRELOAD=%s %s", first ? first : "", preload);
        run_program(&run, ARGV(host(), "origin", reach("liborigin_caller.so", 0), how),
                    ENV(REACH_RETRIES, variable), NULL, 0, false);
    }
    else {
        run_program(&run, ARGV(host(), "origin", reach("liborigin_caller.so", 0), how),
                    ENV(REACH_RETRIES), NULL, 0, true);
    }
    assert_run_output(&run, without);
    free(without);
}

static void origin_and_runpath_loads_resolve_as_without_the_library(void **state)
{
    (void)state;
    assert_origin_loads_as_without_library(NULL);
}

static void the_c_fallback_jumps_too(void **state)
{
    (void)state;
    assert_origin_loads_as_without_library(reach("libtryagain-cstubs.so", 3));
}

static void dl_errors_and_noload_are_unchanged(void **state)
{
    (void)state;
    run_program(&run, ARGV(host(), "errors", "libcurl.so.4", "libz.so.1"), NULL, NULL, 0, false);
    EXPECT(run.exit_status == 0);
    char *without = strdup(run.out);
    EXPECT(strstr(without, "dlsym next nothing: NULL, dlerror: "));
    run_result_free(&run);
    run_program(&run, ARGV(host(), "errors", "libcurl.so.4", "libz.so.1"), ENV(REACH_RETRIES), NULL,
                0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, without);
    free(without);
}

#define THREADS 4
#define TRANSFERS 8

static void transfers_go_on_while_another_thread_dlopens(void **state)
{
    (void)state;
    const char *how = deepbind_refused_by_sanitizer() ? "local" : "deep";
    char script[THREADS * TRANSFERS * 64] = "";
    for(int t = 0; t < THREADS; t++) {
        for(int j = 0; j < TRANSFERS; j++) {
            char line[64];
            snprintf(line, sizeof(line), "/t/%d/%d: 503 delay=5 | 200 body=ok\n", t, j);
            strcat(script, line);
        }
    }
    server_start(&server, script);
    char threads[8], transfers[8];
    snprintf(threads, sizeof(threads), "%d", THREADS);
    snprintf(transfers, sizeof(transfers), "%d", TRANSFERS);
    run_program(&run,
                ARGV(host(), "threads", reach("libdeep_lazy.so", 0), server_url(&server, "", 0),
                     threads, transfers, reach("libdeep_now.so", 1), how),
                ENV(REACH_RETRIES, "TRYAGAIN_LOG=0"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(count_occurrences(run.out, run.out_len, "status=200 body=ok\n") == THREADS * TRANSFERS);
    EXPECT(strstr(run.out, "failures=0\n"));
    for(int t = 0; t < THREADS; t++) {
        for(int j = 0; j < TRANSFERS; j++) {
            char path[32];
            snprintf(path, sizeof(path), "/t/%d/%d", t, j);
            assert_int_equal(server_requests(&server, path), 2);
        }
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
    const struct CMUnitTest tests[] = {
        T(every_binding_style_is_reached_through_deepbind),
        T(keeping_deepbind_leaves_the_group_unreached),
        T(a_blocking_connect_inside_a_deepbind_group_waits),
        T(a_load_from_inside_a_deepbind_group_is_reached),
        T(origin_and_runpath_loads_resolve_as_without_the_library),
        T(the_c_fallback_jumps_too),
        T(dl_errors_and_noload_are_unchanged),
        T(transfers_go_on_while_another_thread_dlopens),
    };
#undef T
    return cmocka_run_group_tests_name("dlopen and dlsym reach", tests, NULL, NULL);
}
