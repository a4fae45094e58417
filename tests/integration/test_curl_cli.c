/* Unmodified /usr/bin/curl under the library, against a scripted server: what a user sees on
   stdout, the exit status, the attempts counted at the server, the time waited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CURL "/usr/bin/curl"

static struct server server;
static struct run_result run;

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    return 0;
}

static const char *url(const char *path)
{
    return server_url(&server, path, 0);
}

static void assert_output(const char *expected)
{
    assert_run_output(&run, expected);
}

static void test_429_with_retry_after_twice_then_200(void **state)
{
    (void)state;
    server_start(&server,
                 "/a: 429 ra=1 body=slow-down | 429 ra=1 body=slow-down | 200 body=hello\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("hello");
    assert_int_equal(server_requests(&server, "/a"), 3);
    assert_true(run.elapsed_ms >= 2000); /* never shorter than the server asked */
    assert_true(run.elapsed_ms < 4000);
    assert_int_equal(count_occurrences(run.err, run.err_len, "(Retry-After)"), 2);
}

static void test_503_then_200(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_500_three_times_then_200(void **state)
{
    (void)state;
    server_start(&server, "/a: 500 | 500 | 500 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 4);
}

static void test_always_429_gives_the_last_response_whole(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 body=busy\n");
    run_program(&run, ARGV(CURL, "-s", "-i", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(server_requests(&server, "/a"), 5);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 429"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "busy"), 1);
    assert_non_null(strstr(run.err, "attempt 5/5; giving up: attempts exhausted"));
}

static void test_retry_after_as_http_date(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=date+2 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
    /* The date has one-second resolution: at least one second is left when it is read. */
    assert_true(run.elapsed_ms >= 1000);
    assert_true(run.elapsed_ms < 4000);
}

static void test_retry_after_beyond_the_limit_is_not_waited_for(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=3600 body=later | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", "-w", "%{http_code}", url("/a")), ENV(QUICK_RETRIES), NULL,
                0, true);
    assert_output("later429");
    assert_int_equal(server_requests(&server, "/a"), 1);
    assert_true(run.elapsed_ms < 1000);
    assert_non_null(strstr(run.err, "Retry-After is beyond TRYAGAIN_MAX_RETRY_AFTER_MS"));
}

static void test_connection_closed_without_response(void **state)
{
    (void)state;
    server_start(&server, "/a: close | close | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 3);
}

static void test_refused_connection_until_attempts_run_out(void **state)
{
    (void)state;
    server_start(&server, "");
    int refusing_fd;
    char refused[128];
    snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/", refusing_port(&refusing_fd));
    run_program(&run, ARGV(CURL, "-s", refused), ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=3"),
                NULL, 0, true);
    close(refusing_fd);
    assert_int_equal(run.exit_status, 7); /* CURLE_COULDNT_CONNECT, as without the library */
    assert_int_equal(count_occurrences(run.err, run.err_len, "retrying in"), 2);
    assert_non_null(strstr(run.err, "attempt 3/3; giving up"));
}

static void test_5mib_body_after_429_arrives_intact(void **state)
{
    (void)state;
    server_start(&server, "/big: 429 ra=0 body=wait | 200 size=5242880\n");
    run_program(&run, ARGV(CURL, "-s", url("/big")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(run.out_len, 5242880);
    for(size_t i = 0; i < run.out_len; i++) {
        if((unsigned char)run.out[i] != pattern_byte(i))
            fail_msg("byte %zu differs", i);
    }
    assert_int_equal(server_requests(&server, "/big"), 2);
}

static void test_post_body_resent_identical(void **state)
{
    (void)state;
    server_start(&server, "/post: 429 ra=0 | 503 | 200 body=created\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "name=tryagain&value=42", url("/post")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("created");
    assert_same_body_every_attempt(&server, "/post", 3, 22);
}

static void test_put_upload_from_file_resent_identical(void **state)
{
    (void)state;
    char path[] = "/tmp/tryagain-upload-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char block[4096];
    for(size_t i = 0; i < sizeof(block); i++)
        block[i] = (char)pattern_byte(i);
    for(int i = 0; i < 64; i++)
        assert_int_equal(write(fd, block, sizeof(block)), sizeof(block));
    close(fd);
    server_start(&server, "/put: 500 | 502 | 200 body=stored\n");
    run_program(&run, ARGV(CURL, "-s", "-T", path, url("/put")), ENV(QUICK_RETRIES), NULL, 0, true);
    unlink(path);
    assert_output("stored");
    assert_same_body_every_attempt(&server, "/put", 3, 64 * 4096);
}

static void test_mime_form_resent_identical(void **state)
{
    (void)state;
    server_start(&server, "/form: 503 | 200 body=thanks\n");
    run_program(&run, ARGV(CURL, "-s", "-F", "field=value", "-F", "other=more", url("/form")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("thanks");
    char first[65], second[65];
    long first_length, second_length;
    assert_int_equal(server_requests(&server, "/form"), 2);
    assert_true(server_request(&server, "/form", 1, NULL, &first_length, first));
    assert_true(server_request(&server, "/form", 2, NULL, &second_length, second));
    assert_int_equal(first_length, second_length);
    /* Multipart boundaries are drawn anew for each request, so the lengths must match. */
    assert_true(first_length > 0);
}

static void test_post_not_retried_after_500(void **state)
{
    (void)state;
    server_start(&server, "/post: 500 body=boom | 200 body=created\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", url("/post")), ENV(QUICK_RETRIES), NULL, 0,
                true);
    assert_output("boom");
    assert_int_equal(server_requests(&server, "/post"), 1);
    assert_non_null(strstr(run.err, "not idempotent"));
}

static void test_post_retried_after_500_when_unsafe_allowed(void **state)
{
    (void)state;
    server_start(&server, "/post: 500 body=boom | 200 body=created\n");
    run_program(&run, ARGV(CURL, "-s", "-d", "x=1", url("/post")),
                ENV(QUICK_RETRIES, "TRYAGAIN_RETRY_UNSAFE=1"), NULL, 0, true);
    assert_output("created");
    assert_int_equal(server_requests(&server, "/post"), 2);
}

static void test_redirect_chain_rerun_whole(void **state)
{
    (void)state;
    server_start(&server,
                 "/start: 302 loc=/target\n/target: 429 ra=0 body=busy | 200 body=arrived\n");
    run_program(&run, ARGV(CURL, "-s", "-i", "-L", url("/start")), ENV(QUICK_RETRIES), NULL, 0,
                true);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 302"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 200"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "429"), 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "busy"), 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "arrived"), 1);
    assert_int_equal(server_requests(&server, "/start"), 2);
    assert_int_equal(server_requests(&server, "/target"), 2);
}

static void test_400_and_404_never_retried(void **state)
{
    (void)state;
    server_start(&server, "/bad: 400 body=bad\n/missing: 404 body=missing\n");
    run_program(&run, ARGV(CURL, "-s", url("/bad")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("bad");
    run_result_free(&run);
    run_program(&run, ARGV(CURL, "-s", url("/missing")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("missing");
    assert_int_equal(server_requests(&server, "/bad"), 1);
    assert_int_equal(server_requests(&server, "/missing"), 1);
    assert_int_equal(run.err_len, 0);
}

static void test_max_attempts_1_turns_retries_off(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=down | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")), ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=1"),
                NULL, 0, true);
    assert_output("down");
    assert_int_equal(server_requests(&server, "/a"), 1);
}

static void test_include_shows_one_status_line(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=down | 429 ra=0 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", "-i", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 "), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 200"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "down"), 0);
    assert_true(run.out_len >= 2 && !memcmp(run.out + run.out_len - 2, "ok", 2));
}

static void test_output_file_holds_only_the_final_body(void **state)
{
    (void)state;
    char path[] = "/tmp/tryagain-out-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    server_start(&server, "/a: 503 body=down-down-down | 200 body=final\n");
    run_program(&run, ARGV(CURL, "-s", "-o", path, url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    FILE *file = fopen(path, "r");
    char content[64] = {0};
    size_t got = fread(content, 1, sizeof(content) - 1, file);
    fclose(file);
    unlink(path);
    assert_int_equal(got, 5);
    assert_string_equal(content, "final");
}

static void test_fail_flag_retries_and_reports_the_last_status(void **state)
{
    (void)state;
    server_start(&server, "/ok: 503 | 200 body=ok\n/never: 503\n");
    run_program(&run, ARGV(CURL, "-sf", url("/ok")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    run_result_free(&run);
    run_program(&run, ARGV(CURL, "-sf", "-w", "%{http_code}", url("/never")),
                ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=3"), NULL, 0, true);
    assert_int_equal(run.exit_status, 22);
    assert_output("503");
    assert_int_equal(server_requests(&server, "/never"), 3);
}

static void test_write_out_shows_the_final_status(void **state)
{
    (void)state;
    server_start(&server, "/a: 502 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", url("/a")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("200");
}

static void test_log_never_shows_secrets(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    char with_secrets[256];
    snprintf(with_secrets, sizeof(with_secrets),
             "http://user:hunter2@127.0.0.1:%d/a?api_key=sk-live-123&x=1", server.port);
    run_program(&run,
                ARGV(CURL, "-s", "-H", "Authorization: Bearer tok-456", "-b", "session=c-789",
                     with_secrets),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("ok");
    assert_non_null(strstr(run.err, "GET http://REDACTED@127.0.0.1"));
    assert_non_null(strstr(run.err, "api_key=REDACTED&x=REDACTED"));
    assert_non_null(strstr(run.err, "HTTP 503, attempt 1/5; retrying in"));
    assert_null(strstr(run.err, "hunter2"));
    assert_null(strstr(run.err, "sk-live-123"));
    assert_null(strstr(run.err, "tok-456"));
    assert_null(strstr(run.err, "c-789"));
}

static void test_bad_environment_value_warns_once_and_uses_the_default(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")),
                ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=abc", "TRYAGAIN_JITTER=sometimes"), NULL,
                0, true);
    assert_output("ok");
    assert_int_equal(
        count_occurrences(run.err, run.err_len, "warning: TRYAGAIN_MAX_ATTEMPTS=\"abc\""), 1);
    assert_int_equal(
        count_occurrences(run.err, run.err_len, "warning: TRYAGAIN_JITTER=\"sometimes\""), 1);
    assert_non_null(strstr(run.err, "using the default \"5\""));
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_hosts_filter_leaves_other_hosts_alone(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=down | 200 body=ok\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")),
                ENV(QUICK_RETRIES, "TRYAGAIN_HOSTS=api.example.com,*.example.org"), NULL, 0, true);
    assert_output("down");
    assert_int_equal(server_requests(&server, "/a"), 1);
}

static void test_deadline_stops_retries_early(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=down\n");
    run_program(&run, ARGV(CURL, "-s", url("/a")),
                ENV(QUICK_RETRIES, "TRYAGAIN_DEADLINE_MS=1500", "TRYAGAIN_BASE_DELAY_MS=1000",
                    "TRYAGAIN_JITTER=none", "TRYAGAIN_MAX_ATTEMPTS=10"),
                NULL, 0, true);
    /* waits of 1 s then 2 s: the second would end past 1.5 s, so two attempts in all */
    assert_output("down");
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_non_null(strstr(run.err, "TRYAGAIN_DEADLINE_MS"));
    assert_true(run.elapsed_ms < 1500);
}

static void test_programs_without_curl_are_unchanged(void **state)
{
    (void)state;
    /* A folder nothing else writes to while the suite runs: "/" shows /tmp's time and link
       count, which other tests on the machine change between the two runs. */
    struct run_result plain;
    run_program(&plain, ARGV("/bin/ls", "-la", source_path("tests/unit", 1)), NULL, NULL, 0, false);
    run_program(&run, ARGV("/bin/ls", "-la", source_path("tests/unit", 1)), ENV(QUICK_RETRIES),
                NULL, 0, true);
    assert_int_equal(run.exit_status, plain.exit_status);
    assert_int_equal(run.out_len, plain.out_len);
    assert_memory_equal(run.out, plain.out, plain.out_len);
    assert_int_equal(run.err_len, 0);
    run_result_free(&plain);
    run_result_free(&run);
    run_program(&run, ARGV("/usr/bin/env", "python3", "-c", "print(sum(range(10)))"),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("45\n");
    ASSERT_SHOWING_RUN(&run, run.err_len == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
        T(test_429_with_retry_after_twice_then_200),
        T(test_503_then_200),
        T(test_500_three_times_then_200),
        T(test_always_429_gives_the_last_response_whole),
        T(test_retry_after_as_http_date),
        T(test_retry_after_beyond_the_limit_is_not_waited_for),
        T(test_connection_closed_without_response),
        T(test_refused_connection_until_attempts_run_out),
        T(test_5mib_body_after_429_arrives_intact),
        T(test_post_body_resent_identical),
        T(test_put_upload_from_file_resent_identical),
        T(test_mime_form_resent_identical),
        T(test_post_not_retried_after_500),
        T(test_post_retried_after_500_when_unsafe_allowed),
        T(test_redirect_chain_rerun_whole),
        T(test_400_and_404_never_retried),
        T(test_max_attempts_1_turns_retries_off),
        T(test_include_shows_one_status_line),
        T(test_output_file_holds_only_the_final_body),
        T(test_fail_flag_retries_and_reports_the_last_status),
        T(test_write_out_shows_the_final_status),
        T(test_log_never_shows_secrets),
        T(test_bad_environment_value_warns_once_and_uses_the_default),
        T(test_hosts_filter_leaves_other_hosts_alone),
        T(test_deadline_stops_retries_early),
        T(test_programs_without_curl_are_unchanged),
    };
    return cmocka_run_group_tests_name("curl command line under tryagain", tests, NULL, NULL);
}
