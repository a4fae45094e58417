/* /usr/bin/curl under the library against a hostile or broken server: odd Retry-After values,
   huge header blocks, status lines that are not HTTP, connections cut in the headers or the
   body, broken chunked and gzip encodings, a server that stalls. Each case: no crash, no hang,
   the documented outcome, and nothing of an attempt that was retried reaches the program.

   "Clean" below is what plain curl (no library) prints for the final response alone, from a
   path that serves only that response: an attempt that was retried must leave no trace, so the
   output under the library must be exactly that. A fault that is not retried must look exactly
   as it does without the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A backoff that is exact and long enough to measure. */
#define ENV_BACKOFF_100MS ENV(QUICK_RETRIES, "TRYAGAIN_BASE_DELAY_MS=100", "TRYAGAIN_JITTER=none")
#define CURL "/usr/bin/curl"
/* The final response of every retried case, and the path that serves only it. */
#define CLEAN_STEP "200 body=ok"
#define CLEAN_LINE "/clean: " CLEAN_STEP "\n"

static struct server server;
static struct run_result run; /* curl under the library */
static struct run_result expected; /* plain curl */
static char temp_dir[64];

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    run_result_free(&expected);
    if(temp_dir[0]) {
        char command[128];
        snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
        if(system(command) != 0)
            fprintf(stderr, "could not remove %s\n", temp_dir);
        temp_dir[0] = '\0';
    }
    return 0;
}

/* A script built line by line, for cases that try many values. */
struct script {
    char text[16384];
    size_t used;
};

static void script_add(struct script *script, const char *path, int index, const char *steps)
{
    int written = snprintf(script->text + script->used, sizeof(script->text) - script->used,
                           "%s%d: %s\n", path, index, steps);
    assert_true(written > 0 && (size_t)written < sizeof(script->text) - script->used);
    script->used += (size_t)written;
}

/* Every script also serves the clean response at /clean. */
static void start(const char *script)
{
    static char full[sizeof(((struct script *)0)->text) + 64];
    int written = snprintf(full, sizeof(full), "%s%s", CLEAN_LINE, script);
    assert_true(written > 0 && (size_t)written < sizeof(full));
    server_start(&server, full);
}

static const char *indexed(const char *path, int index, int slot)
{
    static char paths[4][64];
    snprintf(paths[slot % 4], sizeof(paths[0]), "%s%d", path, index);
    return paths[slot % 4];
}

/* Runs curl with flags (an ARGV list) and URL(path) last, under the library or not. */
static void curl_run(struct run_result *result, const char *const *flags, const char *path,
                     const char *const *env, bool preload)
{
    const char *argv[16];
    size_t count = 0;
    argv[count++] = CURL;
    for(const char *const *flag = flags; *flag; flag++) {
        assert_true(count < sizeof(argv) / sizeof(argv[0]) - 2);
        argv[count++] = *flag;
    }
    argv[count++] = server_url(&server, path, 0);
    argv[count] = NULL;
    run_result_free(result);
    run_program(result, argv, env, NULL, 0, preload);
}

static void under_library(const char *const *flags, const char *path, const char *const *env)
{
    curl_run(&run, flags, path, env, true);
}

static void plain(const char *const *flags, const char *path)
{
    curl_run(&expected, flags, path, NULL, false);
}

static void show_difference(const char *what)
{
    size_t common = run.out_len < expected.out_len ? run.out_len : expected.out_len;
    size_t at = 0;
    while(at < common && run.out[at] == expected.out[at])
        at++;
    fprintf(stderr,
            "%s: stdout differs from plain curl's at byte %zu (%zu bytes under the library, %zu "
            "plain)\nunder the library: [%.*s]\nplain: [%.*s]\nstderr: %s\n",
            what, at, run.out_len, expected.out_len, (int)(run.out_len < 400 ? run.out_len : 400),
            run.out, (int)(expected.out_len < 400 ? expected.out_len : 400), expected.out, run.err);
}

/* Same stdout bytes and exit status as plain curl. */
static void assert_same_as_plain(const char *what)
{
    if(run.out_len != expected.out_len || memcmp(run.out, expected.out, run.out_len)) {
        show_difference(what);
        fail();
    }
    if(run.exit_status != expected.exit_status) {
        fprintf(stderr, "%s: exit %d under the library, %d plain\nstderr: %s\n", what,
                run.exit_status, expected.exit_status, run.err);
        fail();
    }
}

/* The retried attempt left no trace: exactly what plain curl shows of the clean response. */
static void assert_clean(const char *const *flags, const char *what)
{
    plain(flags, "/clean");
    assert_same_as_plain(what);
    assert_int_equal(run.exit_status, 0);
}

static void assert_attempts(const char *path, int attempts)
{
    int counted = server_requests(&server, path);
    if(counted != attempts) {
        fprintf(stderr, "%s: %d requests at the server, expected %d\nstderr: %s\n", path, counted,
                attempts, run.err);
        fail();
    }
}

static void assert_finished_within(long limit_ms)
{
    if(run.elapsed_ms >= limit_ms || run.term_signal) {
        fprintf(stderr, "took %ld ms (limit %ld), signal %d\nstderr: %s\n", run.elapsed_ms,
                limit_ms, run.term_signal, run.err);
        fail();
    }
}

static void assert_log_says(const char *text)
{
    if(!strstr(run.err, text)) {
        fprintf(stderr, "stderr lacks [%s]:\n%s\n", text, run.err);
        fail();
    }
}

/* ---- Retry-After ---- */

/* Each value on a 503, then on a 429, then the clean response: with the value ignored, the
   waits are the plain backoff, 100 ms then 200 ms. */
static void check_retry_after_ignored(const char *const *values, size_t count)
{
    struct script script = {0};
    for(size_t i = 0; i < count; i++) {
        char steps[2048];
        snprintf(steps, sizeof(steps),
                 "503 ra=%s hdr=X-Attempt:first body=first-attempt | 429 ra=%s body=second "
                 "| " CLEAN_STEP,
                 values[i], values[i]);
        script_add(&script, "/ra", (int)i, steps);
    }
    start(script.text);
    for(size_t i = 0; i < count; i++) {
        /* One host throttling run after run would be paced by coordination, which is not what
           this checks (test_coordination.c does): each run here is on its own. */
        under_library(ARGV("-si"), indexed("/ra", (int)i, 1),
                      ENV(QUICK_RETRIES, "TRYAGAIN_BASE_DELAY_MS=100", "TRYAGAIN_JITTER=none",
                          "TRYAGAIN_COORDINATE=off"));
        assert_attempts(indexed("/ra", (int)i, 1), 3);
        assert_log_says("HTTP 503, attempt 1/5; retrying in 0.100 s (backoff)");
        assert_log_says("HTTP 429, attempt 2/5; retrying in 0.200 s (backoff)");
        assert_true(run.elapsed_ms >= 300);
        assert_finished_within(3000);
        assert_clean(ARGV("-si"), values[i]);
    }
}

static void test_unparseable_retry_after_is_ignored_and_backoff_applies(void **state)
{
    (void)state;
    /* A valid start, then junk past the 127 bytes the library keeps of the value. */
    char long_junk[4 + 200 * 3];
    size_t used = 0;
    long_junk[used++] = '1';
    for(int i = 0; i < 200; i++, used += 3)
        memcpy(long_junk + used, "%20", 3);
    long_junk[used++] = 'x';
    long_junk[used] = '\0';
    const char *const values[] = {
        long_junk,
        "soon",
        "1.5",
        "12abc",
        "0x10",
        "1%202",
        "%20%20",
        "Retry-After:%201",
        "Thu,%2099%20Foo%202024%2000:00:00%20GMT",
        "Wed,%2031%20Feb%202024%2000:00:00%20GMT",
        "Wed,%2021%20Oct%202015%2025:28:00%20GMT",
    };
    check_retry_after_ignored(values, sizeof(values) / sizeof(values[0]));
}

static void test_negative_retry_after_is_ignored_and_backoff_applies(void **state)
{
    (void)state;
    const char *const values[] = {"-5", "-1", "-0", "-99999999999999999999999"};
    check_retry_after_ignored(values, sizeof(values) / sizeof(values[0]));
}

/* More than TRYAGAIN_MAX_RETRY_AFTER_MS (60 s by default): no retry, the 429 at once, whole. */
static void test_huge_retry_after_gives_the_response_at_once_without_retry(void **state)
{
    (void)state;
    char long_number[160];
    memset(long_number, '9', sizeof(long_number) - 1);
    long_number[sizeof(long_number) - 1] = '\0';
    const char *const values[] = {
        "61",         "86400",
        "2147483648", "99999999999999999999999999999",
        long_number,  "Fri,%2031%20Dec%209999%2023:59:59%20GMT",
    };
    size_t count = sizeof(values) / sizeof(values[0]);
    struct script script = {0};
    for(size_t i = 0; i < count; i++) {
        char steps[512];
        snprintf(steps, sizeof(steps), "429 ra=%s body=come-back-later | " CLEAN_STEP, values[i]);
        script_add(&script, "/huge", (int)i, steps);
        /* The same 429 alone, for plain curl. */
        snprintf(steps, sizeof(steps), "429 ra=%s body=come-back-later", values[i]);
        script_add(&script, "/plain", (int)i, steps);
    }
    start(script.text);
    for(size_t i = 0; i < count; i++) {
        under_library(ARGV("-si"), indexed("/huge", (int)i, 1), ENV(QUICK_RETRIES));
        plain(ARGV("-si"), indexed("/plain", (int)i, 1));
        assert_same_as_plain(values[i]);
        assert_int_equal(run.exit_status, 0);
        assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 429"), 1);
        assert_attempts(indexed("/huge", (int)i, 1), 1);
        assert_log_says("giving up: Retry-After is beyond TRYAGAIN_MAX_RETRY_AFTER_MS");
        assert_finished_within(1000);
    }
}

/* A date in the past means now: no wait at all, not even the backoff (5 s here). */
static void test_retry_after_in_the_past_means_no_wait(void **state)
{
    (void)state;
    const char *const values[] = {
        "date-3600",
        "Wed,%2021%20Oct%202015%2007:28:00%20GMT",
        "Sunday,%2006-Nov-94%2008:49:37%20GMT",
        "Sun%20Nov%20%206%2008:49:37%201994",
        "Thu,%2001%20Jan%201970%2000:00:00%20GMT",
    };
    size_t count = sizeof(values) / sizeof(values[0]);
    struct script script = {0};
    for(size_t i = 0; i < count; i++) {
        char steps[512];
        snprintf(steps, sizeof(steps), "503 ra=%s body=first-attempt | 429 ra=%s | " CLEAN_STEP,
                 values[i], values[i]);
        script_add(&script, "/past", (int)i, steps);
    }
    start(script.text);
    for(size_t i = 0; i < count; i++) {
        under_library(ARGV("-si"), indexed("/past", (int)i, 1),
                      ENV(QUICK_RETRIES, "TRYAGAIN_BASE_DELAY_MS=5000", "TRYAGAIN_JITTER=none"));
        assert_attempts(indexed("/past", (int)i, 1), 3);
        assert_int_equal(
            count_occurrences(run.err, run.err_len, "retrying in 0.000 s (Retry-After)"), 2);
        assert_finished_within(1500);
        assert_clean(ARGV("-si"), values[i]);
    }
}

/* Retry-After only matters on a response that is retried: on a 200, a 404 or a 302 it is
   the program's header like any other. */
static void test_retry_after_on_a_response_not_retried_changes_nothing(void **state)
{
    (void)state;
    start("/ok: 200 ra=3600 body=fine | 500\n"
          "/ok-soon: 200 ra=soon body=fine | 500\n"
          "/ok-zero: 200 ra=0 body=fine | 500\n"
          "/missing: 404 ra=1 body=missing | 200\n"
          "/moved: 302 ra=3600 loc=/clean | 500\n"
          "/plain-ok: 200 ra=3600 body=fine\n"
          "/plain-ok-soon: 200 ra=soon body=fine\n"
          "/plain-ok-zero: 200 ra=0 body=fine\n"
          "/plain-missing: 404 ra=1 body=missing\n"
          "/plain-moved: 302 ra=3600 loc=/clean\n");
    const char *const paths[] = {"/ok", "/ok-soon", "/ok-zero", "/missing", "/moved"};
    for(size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        char plain_path[64];
        snprintf(plain_path, sizeof(plain_path), "/plain-%s", paths[i] + 1);
        under_library(ARGV("-siL"), paths[i], ENV(QUICK_RETRIES));
        plain(ARGV("-siL"), plain_path);
        assert_same_as_plain(paths[i]);
        assert_attempts(paths[i], 1);
        assert_int_equal(run.err_len, 0);
        assert_finished_within(1000);
    }
}

/* Only 429 and 503 name a wait; on a 500 the header is ignored and backoff applies. */
static void test_retry_after_on_a_500_is_ignored_and_backoff_applies(void **state)
{
    (void)state;
    start("/a: 500 ra=30 body=first-attempt | " CLEAN_STEP "\n");
    under_library(ARGV("-si"), "/a", ENV_BACKOFF_100MS);
    assert_attempts("/a", 2);
    assert_log_says("HTTP 500, attempt 1/5; retrying in 0.100 s (backoff)");
    assert_finished_within(2000);
    assert_clean(ARGV("-si"), "500 with Retry-After");
}

/* ---- Header blocks ---- */

static void test_thousands_of_headers_on_a_retried_response_never_reach_the_program(void **state)
{
    (void)state;
    start("/a: 503 fill=5000 hdr=X-Attempt:first body=first-attempt | 429 ra=0 fill=3000 "
          "| " CLEAN_STEP "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 3);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "thousands of headers, retried");
    assert_int_equal(count_occurrences(run.out, run.out_len, "X-Filler"), 0);
}

static void test_thousands_of_headers_on_a_200_arrive_intact(void **state)
{
    (void)state;
    start("/a: 200 fill=5000 body=many | 500\n/plain: 200 fill=5000 body=many\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("thousands of headers on a 200");
    assert_int_equal(count_occurrences(run.out, run.out_len, "X-Filler-"), 5000);
    assert_attempts("/a", 1);
    assert_finished_within(2000);
}

/* curl refuses a header block over 300 KB (error 56, "Too large response headers"). On a 503
   the status line has arrived and decides: retried. On a 200 curl's failure is the program's. */
static void test_header_block_over_curls_limit_on_a_503_is_retried_by_its_status(void **state)
{
    (void)state;
    start("/a: 503 fill=20000 body=first-attempt | " CLEAN_STEP "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 2);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "header block over curl's limit on a 503");
}

static void test_header_block_over_curls_limit_on_a_200_fails_as_without_the_library(void **state)
{
    (void)state;
    start("/a: 200 fill=20000 body=x | 500\n/plain: 200 fill=20000 body=x\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("header block over curl's limit on a 200");
    assert_int_equal(run.exit_status, 56);
    assert_attempts("/a", 1);
    assert_finished_within(3000);
}

/* ---- Status lines ---- */

static void test_status_line_that_is_not_http_fails_at_once_without_retry(void **state)
{
    (void)state;
    const char *const steps[] = {
        "garbage",
        "200 rawstatus=this%20is%20junk",
        "200 rawstatus=HTTP/1.1%20abc%20Weird",
        "200 rawstatus=ICY%20200%20OK",
        "503 rawstatus=HTTP/1.1%205030%20Big",
        "503 rawstatus=HTTP/1.1%2050%20Short",
        "503 rawstatus=HTTP/9.9%20503%20Future",
        "503 rawstatus=%20HTTP/1.1%20503%20Indented",
    };
    size_t count = sizeof(steps) / sizeof(steps[0]);
    struct script script = {0};
    for(size_t i = 0; i < count; i++) {
        char text[256];
        snprintf(text, sizeof(text), "%s | " CLEAN_STEP, steps[i]);
        script_add(&script, "/junk", (int)i, text);
        script_add(&script, "/plain", (int)i, steps[i]);
    }
    start(script.text);
    for(size_t i = 0; i < count; i++) {
        under_library(ARGV("-sSi"), indexed("/junk", (int)i, 1), ENV(QUICK_RETRIES));
        plain(ARGV("-sSi"), indexed("/plain", (int)i, 1));
        assert_same_as_plain(steps[i]);
        assert_int_equal(run.exit_status, 1); /* CURLE_UNSUPPORTED_PROTOCOL */
        assert_int_equal(run.out_len, 0);
        assert_attempts(indexed("/junk", (int)i, 1), 1);
        assert_finished_within(1000);
        if(run.err_len != expected.err_len || memcmp(run.err, expected.err, run.err_len)) {
            fprintf(stderr, "%s: stderr [%s], plain [%s]\n", steps[i], run.err, expected.err);
            fail();
        }
    }
}

/* With --http0.9 the program accepts a reply without a status line: it is its body. */
static void test_reply_without_status_line_passes_through_when_the_program_allows_it(void **state)
{
    (void)state;
    start("/a: garbage | " CLEAN_STEP "\n/plain: garbage\n");
    under_library(ARGV("-si", "--http0.9"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si", "--http0.9"), "/plain");
    assert_same_as_plain("HTTP/0.9 reply");
    assert_int_equal(run.exit_status, 0);
    assert_true(run.out_len > 0);
    assert_attempts("/a", 1);
    assert_finished_within(1000);
}

static void test_status_line_without_reason_phrase_is_retried_by_its_status(void **state)
{
    (void)state;
    start("/a: 503 rawstatus=HTTP/1.1%20503 body=first-attempt | 429 ra=0 "
          "rawstatus=HTTP/1.1%20429%20%20%20 | " CLEAN_STEP "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 3);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "status lines without reason phrase");
}

/* Statuses curl accepts but no retry set holds: the program's, untouched. */
static void test_unknown_status_codes_are_not_retried(void **state)
{
    (void)state;
    start("/a: 599 rawstatus=HTTP/1.1%20599%20Odd body=odd | 500\n"
          "/b: 999 rawstatus=HTTP/1.1%20999%20Odd body=odder | 500\n"
          "/plain-a: 599 rawstatus=HTTP/1.1%20599%20Odd body=odd\n"
          "/plain-b: 999 rawstatus=HTTP/1.1%20999%20Odd body=odder\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain-a");
    assert_same_as_plain("599");
    assert_attempts("/a", 1);
    under_library(ARGV("-si"), "/b", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain-b");
    assert_same_as_plain("999");
    assert_attempts("/b", 1);
    assert_finished_within(1000);
}

/* ---- Connections cut short ---- */

static void test_connection_closed_in_the_headers_of_a_503_is_retried(void **state)
{
    (void)state;
    start("/a: 503 cuthead fill=10 hdr=X-Attempt:first | 429 ra=0 cuthead fill=40 | " CLEAN_STEP
          "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 3);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "headers cut on a 503");
}

/* Through a proxy's tunnel (here the server plays the proxy) the CONNECT reply, a 200, comes
   before the response: it must not settle the attempt, or the 429 after it would reach the
   program and never be retried. */
static void test_a_429_after_a_proxy_tunnels_200_is_retried(void **state)
{
    (void)state;
    start("/a: 429 ra=0 | " CLEAN_STEP "\n");
    char proxy[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", server.port);
    under_library(ARGV("-si", "--proxytunnel", "-x", proxy), "/a", ENV(QUICK_RETRIES));
    ASSERT_SHOWING_RUN(&run, run.exit_status == 0);
    assert_attempts("/a", 2);
    ASSERT_SHOWING_RUN(&run, count_occurrences(run.out, run.out_len, "HTTP/1.1 429") == 0);
    ASSERT_SHOWING_RUN(&run, run.out_len >= 2 && !memcmp(run.out + run.out_len - 2, "ok", 2));
}

/* curl itself accepts a 200 whose headers were cut (exit 0): so does the program. */
static void test_connection_closed_in_the_headers_of_a_200_is_not_retried(void **state)
{
    (void)state;
    start("/a: 200 cuthead fill=10 | " CLEAN_STEP "\n/plain: 200 cuthead fill=10\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("headers cut on a 200");
    assert_true(run.out_len > 0);
    assert_attempts("/a", 1);
    assert_finished_within(1000);
}

/* Part of the body has reached the program: a transport failure then is not retried. */
static void test_connection_closed_in_the_body_of_a_200_is_not_retried(void **state)
{
    (void)state;
    start("/a: 200 cutbody size=100000 | " CLEAN_STEP "\n/plain: 200 cutbody size=100000\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("body cut on a 200");
    assert_int_equal(run.exit_status, 18); /* CURLE_PARTIAL_FILE */
    assert_attempts("/a", 1);
    assert_finished_within(1000);
}

static void test_connection_closed_in_the_body_of_a_503_or_429_is_retried_by_its_status(
    void **state)
{
    (void)state;
    start(
        "/a: 503 cutbody size=100000 hdr=X-Attempt:first | 429 ra=0 cutbody size=5000 | " CLEAN_STEP
        "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 3);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "body cut on a 503 and a 429");
}

/* -o and -D files get nothing of a retried attempt either. */
static void read_whole(const char *path, char *buffer, size_t size, size_t *length)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    *length = fread(buffer, 1, size, file);
    fclose(file);
}

static void test_cut_attempt_leaves_nothing_in_output_and_header_files(void **state)
{
    (void)state;
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/tryagain-hostile-XXXXXX");
    assert_non_null(mkdtemp(temp_dir));
    char body_path[2][128], head_path[2][128];
    for(int i = 0; i < 2; i++) {
        snprintf(body_path[i], sizeof(body_path[i]), "%s/body%d", temp_dir, i);
        snprintf(head_path[i], sizeof(head_path[i]), "%s/head%d", temp_dir, i);
    }
    start("/a: 503 cutbody size=100000 hdr=X-Attempt:first | " CLEAN_STEP "\n");
    under_library(ARGV("-s", "-o", body_path[0], "-D", head_path[0]), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 2);
    plain(ARGV("-s", "-o", body_path[1], "-D", head_path[1]), "/clean");
    assert_same_as_plain("-o and -D after a cut 503");
    static char files[4][4096];
    size_t lengths[4];
    read_whole(body_path[0], files[0], sizeof(files[0]), &lengths[0]);
    read_whole(body_path[1], files[1], sizeof(files[1]), &lengths[1]);
    read_whole(head_path[0], files[2], sizeof(files[2]), &lengths[2]);
    read_whole(head_path[1], files[3], sizeof(files[3]), &lengths[3]);
    assert_int_equal(lengths[0], 2);
    assert_memory_equal(files[0], "ok", 2);
    assert_int_equal(lengths[2], lengths[3]);
    assert_memory_equal(files[2], files[3], lengths[3]);
}

/* An error body over 1 MiB is handed over as it arrives rather than held, and then never
   retried: what the program saw stands, cut included. */
static void test_error_body_over_a_mebibyte_cut_midway_is_handed_over_not_retried(void **state)
{
    (void)state;
    start("/a: 503 cutbody size=4000000 | " CLEAN_STEP "\n/plain: 503 cutbody size=4000000\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("4 MB 503 cut at 2 MB");
    assert_int_equal(run.exit_status, 18);
    assert_attempts("/a", 1);
    assert_log_says("part of the response already reached the program");
    assert_finished_within(3000);
}

/* ---- Encodings ---- */

static void test_broken_chunked_encoding_in_a_200_is_not_retried(void **state)
{
    (void)state;
    start("/a: 200 badchunk size=5000 | " CLEAN_STEP "\n/plain: 200 badchunk size=5000\n"
          "/b: 200 badchunk body= | " CLEAN_STEP "\n/plain-b: 200 badchunk body=\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain");
    assert_same_as_plain("bad chunk after 2500 bytes of a 200");
    assert_int_equal(run.exit_status, 56); /* CURLE_RECV_ERROR */
    assert_attempts("/a", 1);
    assert_finished_within(1000);
    /* The very first chunk size is bad: only the headers, as without the library. */
    under_library(ARGV("-si"), "/b", ENV(QUICK_RETRIES));
    plain(ARGV("-si"), "/plain-b");
    assert_same_as_plain("bad first chunk of a 200");
    assert_int_equal(run.exit_status, 56);
    assert_attempts("/b", 1);
    assert_finished_within(1000);
}

static void test_broken_chunked_encoding_in_a_503_is_retried_by_its_status(void **state)
{
    (void)state;
    start("/a: 503 badchunk size=5000 hdr=X-Attempt:first | 429 ra=0 badchunk body= | " CLEAN_STEP
          "\n");
    under_library(ARGV("-si"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 3);
    assert_finished_within(3000);
    assert_clean(ARGV("-si"), "bad chunks on a 503 and a 429");
}

static void test_broken_gzip_body_in_a_200_is_not_retried(void **state)
{
    (void)state;
    start("/a: 200 hdr=Content-Encoding:gzip body=not-gzip-at-all | " CLEAN_STEP "\n"
          "/plain: 200 hdr=Content-Encoding:gzip body=not-gzip-at-all\n");
    under_library(ARGV("-si", "--compressed"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si", "--compressed"), "/plain");
    assert_same_as_plain("broken gzip on a 200");
    assert_int_equal(run.exit_status, 61); /* CURLE_BAD_CONTENT_ENCODING */
    assert_attempts("/a", 1);
    assert_finished_within(1000);
}

static void test_broken_gzip_body_in_a_503_is_retried_by_its_status(void **state)
{
    (void)state;
    start("/a: 503 hdr=Content-Encoding:gzip body=not-gzip-at-all | 200 gzip body=ok\n"
          "/plain: 200 gzip body=ok\n");
    under_library(ARGV("-si", "--compressed"), "/a", ENV(QUICK_RETRIES));
    plain(ARGV("-si", "--compressed"), "/plain");
    assert_same_as_plain("broken gzip on a 503, then gzip");
    assert_int_equal(run.exit_status, 0);
    assert_true(run.out_len >= 2 && !memcmp(run.out + run.out_len - 2, "ok", 2));
    assert_attempts("/a", 2);
    assert_finished_within(3000);
}

/* ---- A server that stalls ---- */

/* Nothing received before curl's own --max-time: a timeout, retried. */
static void test_server_that_never_answers_is_retried_after_the_timeout(void **state)
{
    (void)state;
    start("/a: 200 delay=10000 body=too-late | " CLEAN_STEP "\n");
    under_library(ARGV("-si", "--max-time", "1"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 2);
    assert_true(run.elapsed_ms >= 1000);
    assert_finished_within(4000);
    assert_clean(ARGV("-si", "--max-time", "1"), "timeout before any byte");
}

/* Part of a 200's body arrived, then nothing: the timeout is the program's, and what it got
   stands. */
static void test_body_that_stalls_after_part_arrived_is_not_retried(void **state)
{
    (void)state;
    start("/a: 200 stallbody size=100000 | " CLEAN_STEP "\n");
    under_library(ARGV("-s", "--max-time", "1"), "/a", ENV(QUICK_RETRIES));
    assert_int_equal(run.exit_status, 28); /* CURLE_OPERATION_TIMEDOUT */
    assert_int_equal(run.out_len, 50000);
    for(size_t i = 0; i < run.out_len; i++) {
        if((unsigned char)run.out[i] != pattern_byte(i))
            fail_msg("byte %zu differs", i);
    }
    assert_attempts("/a", 1);
    assert_finished_within(4000);
}

static void test_503_that_stalls_in_its_body_is_retried_by_its_status(void **state)
{
    (void)state;
    start("/a: 503 stallbody size=100000 hdr=X-Attempt:first | " CLEAN_STEP "\n");
    under_library(ARGV("-si", "--max-time", "1"), "/a", ENV(QUICK_RETRIES));
    assert_attempts("/a", 2);
    assert_finished_within(4000);
    assert_clean(ARGV("-si", "--max-time", "1"), "503 stalled in its body");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
        T(test_unparseable_retry_after_is_ignored_and_backoff_applies),
        T(test_negative_retry_after_is_ignored_and_backoff_applies),
        T(test_huge_retry_after_gives_the_response_at_once_without_retry),
        T(test_retry_after_in_the_past_means_no_wait),
        T(test_retry_after_on_a_response_not_retried_changes_nothing),
        T(test_retry_after_on_a_500_is_ignored_and_backoff_applies),
        T(test_thousands_of_headers_on_a_retried_response_never_reach_the_program),
        T(test_thousands_of_headers_on_a_200_arrive_intact),
        T(test_header_block_over_curls_limit_on_a_503_is_retried_by_its_status),
        T(test_header_block_over_curls_limit_on_a_200_fails_as_without_the_library),
        T(test_status_line_that_is_not_http_fails_at_once_without_retry),
        T(test_reply_without_status_line_passes_through_when_the_program_allows_it),
        T(test_status_line_without_reason_phrase_is_retried_by_its_status),
        T(test_unknown_status_codes_are_not_retried),
        T(test_connection_closed_in_the_headers_of_a_503_is_retried),
        T(test_a_429_after_a_proxy_tunnels_200_is_retried),
        T(test_connection_closed_in_the_headers_of_a_200_is_not_retried),
        T(test_connection_closed_in_the_body_of_a_200_is_not_retried),
        T(test_connection_closed_in_the_body_of_a_503_or_429_is_retried_by_its_status),
        T(test_cut_attempt_leaves_nothing_in_output_and_header_files),
        T(test_error_body_over_a_mebibyte_cut_midway_is_handed_over_not_retried),
        T(test_broken_chunked_encoding_in_a_200_is_not_retried),
        T(test_broken_chunked_encoding_in_a_503_is_retried_by_its_status),
        T(test_broken_gzip_body_in_a_200_is_not_retried),
        T(test_broken_gzip_body_in_a_503_is_retried_by_its_status),
        T(test_server_that_never_answers_is_retried_after_the_timeout),
        T(test_body_that_stalls_after_part_arrived_is_not_retried),
        T(test_503_that_stalls_in_its_body_is_retried_by_its_status),
    };
    return cmocka_run_group_tests_name("curl under tryagain against a hostile server", tests, NULL,
                                       NULL);
}
