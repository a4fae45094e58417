/* The retry guide's practices, done for unmodified programs: idempotency keys
   (TRYAGAIN_IDEMPOTENCY_KEY), fallback hosts (TRYAGAIN_FALLBACK) and request ids in the log.
   /usr/bin/curl (easy interface, and -Z for the multi interface), the fetch test program and
   multi_loop against scripted servers, which log each request's Host and Idempotency-Key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CURL "/usr/bin/curl"
#define KEYS "TRYAGAIN_IDEMPOTENCY_KEY=Idempotency-Key"

static struct server server, fallback;
static struct run_result run;
static char fallback_setting[128];
static char cert_dir[64];

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    server_stop(&fallback);
    run_result_free(&run);
    return 0;
}

static const char *url(const char *path)
{
    return server_url(&server, path, 0);
}

static const char *fetch(void)
{
    return build_path("tests/programs/fetch", 1);
}

static const char *multi_loop(void)
{
    return build_path("tests/programs/multi_loop", 2);
}

/* The Idempotency-Key the n-th request to path carried, "" when none. */
static const char *key_of(const struct server *at, const char *path, int n)
{
    static char keys[4][128];
    static int next;
    char *key = keys[next++ % 4];
    if(!server_request_field(at, path, n, "key", key, sizeof(keys[0])))
        fail_msg("no request %d to %s", n, path);
    return key;
}

static void assert_uuid(const char *text)
{
    /* 8-4-4-4-12 lower-case hex, version 4, variant 10 */
    if(strlen(text) != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
       text[23] != '-' || text[14] != '4' || !strchr("89ab", text[19]) ||
       strspn(text, "0123456789abcdef-") != 36)
        fail_msg("\"%s\" is not a version 4 UUID", text);
}

/* TRYAGAIN_FALLBACK mapping the primary server's address to the fallback server's. */
static const char *fallback_env(int primary_port)
{
    snprintf(fallback_setting, sizeof(fallback_setting),
             "TRYAGAIN_FALLBACK=127.0.0.1:%d=127.0.0.1:%d", primary_port, fallback.port);
    return fallback_setting;
}

/* ---- request ids ---- */

static void test_request_ids_in_text_log_lines(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 hdr=X-Request-Id:req-first-1 | 500 hdr=CF-Ray:8a1b2c3d-AMS "
                          "hdr=x-amzn-RequestId:amzn-2 | 200 hdr=request-id:req_final\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, "TRYAGAIN_LOG=2"), NULL, 0,
                true);
    assert_int_equal(run.exit_status, 0);
    if(!strstr(run.err, "HTTP 503 (request id req-first-1), attempt 1/5") ||
       !strstr(run.err, "HTTP 500 (request id amzn-2), attempt 2/5") ||
       !strstr(run.err, "HTTP 200 (request id req_final), attempt 3/5; done")) {
        show_run(&run);
        fail_msg("a request id is missing from the log");
    }
}

static void test_json_lines_carry_request_ids_and_one_call_id_per_call(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 hdr=X-Request-Id:id-a1 | 200 hdr=X-Request-Id:id-a2\n"
                          "/b: 429 ra=0 hdr=X-GitHub-Request-Id:GH:1:2 | 200\n");
    /* Two URLs, two calls of curl_easy_perform on one handle. */
    run_program(&run, ARGV(CURL, "-s", url("/a"), server_url(&server, "/b", 1)),
                ENV(QUICK_RETRIES, "TRYAGAIN_LOG=2", "TRYAGAIN_LOG_FORMAT=json"), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    char ids[4][64] = {{0}};
    int lines = 0;
    for(char *line = run.err; line && *line && lines < 4; lines++) {
        char *call = strstr(line, "\"call_id\":\"");
        if(!call)
            fail_msg("no call_id in %s", line);
        snprintf(ids[lines], sizeof(ids[0]), "%.36s", call + strlen("\"call_id\":\""));
        assert_uuid(ids[lines]);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    assert_int_equal(lines, 4);
    assert_string_equal(ids[0], ids[1]); /* the attempts of /a */
    assert_string_equal(ids[2], ids[3]); /* the attempts of /b */
    assert_string_not_equal(ids[0], ids[2]);
    assert_non_null(strstr(run.err, "\"status\":503,\"request_id\":\"id-a1\""));
    assert_non_null(strstr(run.err, "\"status\":200,\"request_id\":\"id-a2\""));
    assert_non_null(strstr(run.err, "\"status\":429,\"request_id\":\"GH:1:2\""));
}

static void test_an_id_with_odd_characters_is_not_logged(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 rawhdr=X-Request-Id:%20a\"b | 200\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, "TRYAGAIN_LOG_FORMAT=json"),
                NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_null(strstr(run.err, "request_id"));
    assert_non_null(strstr(run.err, "\"status\":503"));
}

/* ---- idempotency keys ---- */

static void test_a_post_gets_one_key_on_every_attempt(void **state)
{
    (void)state;
    server_start(&server, "/p: 500 | 503 | 200 body=posted\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "amount=10", url("/p")), ENV(QUICK_RETRIES, KEYS),
                NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "posted");
    assert_int_equal(server_requests(&server, "/p"), 3);
    const char *first = key_of(&server, "/p", 1);
    assert_uuid(first);
    assert_string_equal(key_of(&server, "/p", 2), first);
    assert_string_equal(key_of(&server, "/p", 3), first);
    assert_null(strstr(run.err, first)); /* the key is the server's business, not the log's */
}

static void test_a_post_answered_500_is_retried_only_with_keys(void **state)
{
    (void)state;
    server_start(&server, "/p: 500 | 200 body=posted\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", url("/p")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_run_output(&run, "status 500\n");
    assert_int_equal(server_requests(&server, "/p"), 1);
    assert_string_equal(key_of(&server, "/p", 1), "");
    assert_non_null(strstr(run.err, "not idempotent"));
}

static void test_each_call_gets_its_own_key(void **state)
{
    (void)state;
    server_start(&server, "/p: 503 | 200 body=one\n/q: 200 body=two\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", url("/p"), server_url(&server, "/q", 1)),
                ENV(QUICK_RETRIES, KEYS), NULL, 0, true);
    assert_run_output(&run, "onetwo");
    assert_uuid(key_of(&server, "/q", 1));
    assert_string_equal(key_of(&server, "/p", 1), key_of(&server, "/p", 2));
    assert_string_not_equal(key_of(&server, "/p", 1), key_of(&server, "/q", 1));
}

static void test_the_programs_own_key_is_kept(void **state)
{
    (void)state;
    server_start(&server, "/p: 500 | 200 body=posted\n");
    run_program(&run, ARGV(CURL, "-s", "-H", "idempotency-key: order-42", "-d", "x=1", url("/p")),
                ENV(QUICK_RETRIES, KEYS), NULL, 0, true);
    assert_run_output(&run, "posted");
    assert_int_equal(server_requests(&server, "/p"), 2);
    assert_string_equal(key_of(&server, "/p", 1), "order-42");
    assert_string_equal(key_of(&server, "/p", 2), "order-42");
}

static void test_a_get_gets_no_key(void **state)
{
    (void)state;
    server_start(&server, "/g: 503 | 200 body=got\n");
    run_program(&run, ARGV(CURL, "-s", url("/g")), ENV(QUICK_RETRIES, KEYS), NULL, 0, true);
    assert_run_output(&run, "got");
    assert_string_equal(key_of(&server, "/g", 1), "");
    assert_string_equal(key_of(&server, "/g", 2), "");
}

static void test_a_program_performing_twice_sends_its_headers_and_a_new_key(void **state)
{
    (void)state;
    server_start(&server, "/p: 500 | 200 body=a | 200 body=b\n");
    run_program(&run, ARGV(fetch(), "--post", "x=1", "-H", "X-Mine: yes", "--again", url("/p")),
                ENV(QUICK_RETRIES, KEYS), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "ab");
    assert_int_equal(server_requests(&server, "/p"), 3);
    assert_string_equal(key_of(&server, "/p", 1), key_of(&server, "/p", 2));
    assert_string_not_equal(key_of(&server, "/p", 2), key_of(&server, "/p", 3));
}

static void test_the_launcher_flag_sets_keys(void **state)
{
    (void)state;
    server_start(&server, "/p: 502 | 200 body=posted\n");
    run_program(&run,
                ARGV(build_path("tryagain", 3), "--idempotency-key", "Idempotency-Key",
                     "--base-delay", "50ms", CURL, "-s", "-d", "x=1", url("/p")),
                NULL, NULL, 0, false);
    assert_run_output(&run, "posted");
    assert_uuid(key_of(&server, "/p", 1));
    assert_string_equal(key_of(&server, "/p", 1), key_of(&server, "/p", 2));
}

static void test_a_bad_header_name_warns_once_and_keys_stay_off(void **state)
{
    (void)state;
    server_start(&server, "/p: 500 | 200\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", url("/p")),
                ENV(QUICK_RETRIES, "TRYAGAIN_IDEMPOTENCY_KEY=Idem Key"), NULL, 0, true);
    assert_int_equal(count_occurrences(run.err, run.err_len, "warning: TRYAGAIN_IDEMPOTENCY_KEY"),
                     1);
    assert_int_equal(server_requests(&server, "/p"), 1);
}

/* ---- fallback hosts ---- */

static void test_a_primary_that_stays_down_falls_back(void **state)
{
    (void)state;
    server_start(&server, "/v1/items: 503 hdr=X-Request-Id:primary-1\n");
    server_start(&fallback, "/v1/items: 200 body=from-fallback hdr=X-Request-Id:fb-1\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", server_url(&server, "/v1/items?page=2", 0)),
                ENV(QUICK_RETRIES, KEYS, fallback_env(server.port)), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "from-fallback");
    assert_int_equal(server_requests(&server, "/v1/items"), 2);
    assert_int_equal(server_requests(&fallback, "/v1/items"), 1);
    char method[16], host[64];
    long body_len = 0;
    assert_true(server_request(&fallback, "/v1/items", 1, method, &body_len, NULL));
    assert_string_equal(method, "POST");
    assert_int_equal(body_len, 3);
    assert_true(server_request_field(&fallback, "/v1/items", 1, "host", host, sizeof(host)));
    char expected_host[64];
    snprintf(expected_host, sizeof(expected_host), "127.0.0.1:%d", fallback.port);
    assert_string_equal(host, expected_host);
    /* The same key on the fallback: it is the same call. */
    assert_string_equal(key_of(&fallback, "/v1/items", 1), key_of(&server, "/v1/items", 1));
    /* The log says the fallback is next, then that it answered (at TRYAGAIN_LOG=1 too). */
    char line[256];
    snprintf(line, sizeof(line), "attempt 2/5; retrying in 0.");
    assert_non_null(strstr(run.err, line));
    snprintf(line, sizeof(line), "on fallback 127.0.0.1:%d", fallback.port);
    assert_non_null(strstr(run.err, line));
    snprintf(line, sizeof(line),
             "POST http://127.0.0.1:%d/v1/items?page=REDACTED (fallback for 127.0.0.1:%d): HTTP "
             "200 (request id fb-1), attempt 3/5; done",
             fallback.port, server.port);
    if(!strstr(run.err, line)) {
        show_run(&run);
        fail_msg("no line \"%s\"", line);
    }
}

static void test_a_refused_primary_falls_back(void **state)
{
    (void)state;
    server_start(&fallback, "/: 200 body=fallback\n");
    int refusing_fd;
    int port = refusing_port(&refusing_fd);
    char refused[128];
    snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/", port);
    run_program(&run, ARGV(CURL, "-s", refused), ENV(QUICK_RETRIES, fallback_env(port)), NULL, 0,
                true);
    close(refusing_fd);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "fallback");
    assert_int_equal(server_requests(&fallback, "/"), 1);
}

static void test_a_primary_that_recovers_keeps_the_call(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=primary\n");
    server_start(&fallback, "/a: 200 body=fallback\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, fallback_env(server.port)),
                NULL, 0, true);
    assert_run_output(&run, "primary");
    assert_int_equal(server_requests(&fallback, "/a"), 0);
}

static void test_a_400_from_the_primary_is_final(void **state)
{
    (void)state;
    server_start(&server, "/a: 400 body=bad\n");
    server_start(&fallback, "/a: 200 body=fallback\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, fallback_env(server.port)),
                NULL, 0, true);
    assert_run_output(&run, "bad");
    assert_int_equal(server_requests(&server, "/a"), 1);
    assert_int_equal(server_requests(&fallback, "/a"), 0);
}

static void test_fallback_after_counts_the_failures(void **state)
{
    (void)state;
    server_start(&server, "/a: 500\n");
    server_start(&fallback, "/a: 200 body=fallback\n");
    run_program(&run,
                ARGV(build_path("tryagain", 3), "--fallback", fallback_env(server.port) + 18,
                     "--fallback-after", "3", "--base-delay", "50ms", CURL, "-s", url("/a")),
                NULL, NULL, 0, false);
    assert_run_output(&run, "fallback");
    assert_int_equal(server_requests(&server, "/a"), 3);
}

static void test_a_retry_after_too_long_goes_to_the_fallback_at_once(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=3600\n");
    server_start(&fallback, "/a: 200 body=fallback\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, fallback_env(server.port)),
                NULL, 0, true);
    assert_run_output(&run, "fallback");
    assert_int_equal(server_requests(&server, "/a"), 1);
    assert_true(run.elapsed_ms < 5000);
}

static void test_a_second_call_starts_on_the_primary_again(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 503 | 200 body=primary\n");
    server_start(&fallback, "/a: 200 body=fallback\n");
    run_program(&run, ARGV(fetch(), "--again", url("/a")),
                ENV(QUICK_RETRIES, fallback_env(server.port)), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "fallbackprimary");
    assert_int_equal(server_requests(&server, "/a"), 3);
    assert_int_equal(server_requests(&fallback, "/a"), 1);
}

static void make_certificate(void)
{
    snprintf(cert_dir, sizeof(cert_dir), "/tmp/tryagain-cert-XXXXXX");
    assert_non_null(mkdtemp(cert_dir));
    char command[512];
    snprintf(command, sizeof(command),
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost -keyout %s/key.pem -out %s/cert.pem "
             ">/dev/null 2>&1",
             cert_dir, cert_dir);
    assert_int_equal(system(command), 0);
}

static void test_an_https_fallback_is_verified_by_its_own_name(void **state)
{
    (void)state;
    make_certificate();
    char cert[128], key[128];
    snprintf(cert, sizeof(cert), "%s/cert.pem", cert_dir);
    snprintf(key, sizeof(key), "%s/key.pem", cert_dir);
    server_start_tls(&fallback, "/secure: 200 body=verified\n", cert, key);
    /* The primary is an address the certificate does not name: only the fallback's name is. */
    int refusing_fd;
    int port = refusing_port(&refusing_fd);
    char primary[128], setting[128];
    snprintf(primary, sizeof(primary), "https://127.0.0.1:%d/secure", port);
    snprintf(setting, sizeof(setting), "TRYAGAIN_FALLBACK=127.0.0.1:%d=localhost:%d", port,
             fallback.port);
    run_program(&run, ARGV(CURL, "-sS", "--cacert", cert, primary), ENV(QUICK_RETRIES, setting),
                NULL, 0, true);
    close(refusing_fd);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", cert_dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", cert_dir);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "verified");
}

/* ---- the multi interface ---- */

static void test_curl_parallel_keys_and_fallback(void **state)
{
    (void)state;
    server_start(&server, "/a: 503\n/b: 503\n");
    server_start(&fallback, "/a: 200 body=A\n/b: 200 body=B\n");
    run_program(&run, ARGV(CURL, "-s", "-Z", "-d", "x=1", url("/a"), server_url(&server, "/b", 1)),
                ENV(QUICK_RETRIES, KEYS, "TRYAGAIN_LOG_FORMAT=json", fallback_env(server.port)),
                NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    if(run.out_len != 2 || !memchr(run.out, 'A', 2) || !memchr(run.out, 'B', 2)) {
        show_run(&run);
        fail_msg("expected both bodies from the fallback");
    }
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_int_equal(server_requests(&server, "/b"), 2);
    char a[64];
    snprintf(a, sizeof(a), "%s", key_of(&server, "/a", 1));
    assert_uuid(a);
    assert_string_equal(key_of(&server, "/a", 2), a);
    assert_string_equal(key_of(&fallback, "/a", 1), a);
    assert_string_equal(key_of(&fallback, "/b", 1), key_of(&server, "/b", 1));
    assert_string_not_equal(key_of(&server, "/b", 1), a);
    assert_int_equal(count_occurrences(run.err, run.err_len, "\"fallback_for\""), 2);
}

static void run_multi_loop(const char *mode)
{
    server_start(&server, "/a: 500 hdr=X-Request-Id:m-1 | 500\n/b: 200 body=b\n");
    server_start(&fallback, "/a: 200 body=a\n");
    run_program(&run,
                ARGV(multi_loop(), mode, "--post", "x=1", url("/a"), server_url(&server, "/b", 1)),
                ENV(QUICK_RETRIES, KEYS, fallback_env(server.port)), NULL, 0, true);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "ab");
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_string_equal(key_of(&server, "/a", 1), key_of(&fallback, "/a", 1));
    assert_non_null(strstr(run.err, "HTTP 500 (request id m-1), attempt 1/5"));
}

static void test_multi_socket_action_loop(void **state)
{
    (void)state;
    run_multi_loop("socket");
}

static void test_multi_fdset_loop_as_git(void **state)
{
    (void)state;
    run_multi_loop("fdset");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_request_ids_in_text_log_lines, stop_everything),
        cmocka_unit_test_teardown(test_json_lines_carry_request_ids_and_one_call_id_per_call,
                                  stop_everything),
        cmocka_unit_test_teardown(test_an_id_with_odd_characters_is_not_logged, stop_everything),
        cmocka_unit_test_teardown(test_a_post_gets_one_key_on_every_attempt, stop_everything),
        cmocka_unit_test_teardown(test_a_post_answered_500_is_retried_only_with_keys,
                                  stop_everything),
        cmocka_unit_test_teardown(test_each_call_gets_its_own_key, stop_everything),
        cmocka_unit_test_teardown(test_the_programs_own_key_is_kept, stop_everything),
        cmocka_unit_test_teardown(test_a_get_gets_no_key, stop_everything),
        cmocka_unit_test_teardown(test_a_program_performing_twice_sends_its_headers_and_a_new_key,
                                  stop_everything),
        cmocka_unit_test_teardown(test_the_launcher_flag_sets_keys, stop_everything),
        cmocka_unit_test_teardown(test_a_bad_header_name_warns_once_and_keys_stay_off,
                                  stop_everything),
        cmocka_unit_test_teardown(test_a_primary_that_stays_down_falls_back, stop_everything),
        cmocka_unit_test_teardown(test_a_refused_primary_falls_back, stop_everything),
        cmocka_unit_test_teardown(test_a_primary_that_recovers_keeps_the_call, stop_everything),
        cmocka_unit_test_teardown(test_a_400_from_the_primary_is_final, stop_everything),
        cmocka_unit_test_teardown(test_fallback_after_counts_the_failures, stop_everything),
        cmocka_unit_test_teardown(test_a_retry_after_too_long_goes_to_the_fallback_at_once,
                                  stop_everything),
        cmocka_unit_test_teardown(test_a_second_call_starts_on_the_primary_again, stop_everything),
        cmocka_unit_test_teardown(test_an_https_fallback_is_verified_by_its_own_name,
                                  stop_everything),
        cmocka_unit_test_teardown(test_curl_parallel_keys_and_fallback, stop_everything),
        cmocka_unit_test_teardown(test_multi_socket_action_loop, stop_everything),
        cmocka_unit_test_teardown(test_multi_fdset_loop_as_git, stop_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
