/* A small libcurl program (tests/programs/fetch.c), built against both Debian flavours of
   libcurl, under the library: callbacks, uploads, handles, threads and signals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct server server;
static struct run_result run;
static char upload_path[64];

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    if(upload_path[0])
        unlink(upload_path);
    upload_path[0] = '\0';
    return 0;
}

static const char *fetch(void)
{
    return build_path("tests/programs/fetch", 1);
}

static const char *url(const char *path)
{
    return server_url(&server, path, 0);
}

static void assert_output(const char *expected)
{
    assert_run_output(&run, expected);
}

static const char *make_upload_file(size_t size)
{
    snprintf(upload_path, sizeof(upload_path), "/tmp/tryagain-upload-XXXXXX");
    int fd = mkstemp(upload_path);
    assert_true(fd >= 0);
    for(size_t i = 0; i < size; i++) {
        unsigned char byte = pattern_byte(i);
        assert_int_equal(write(fd, &byte, 1), 1);
    }
    close(fd);
    return upload_path;
}

static void test_openssl_flavour_retries(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_gnutls_flavour_retries(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 503 | 200 body=ok\n");
    run_program(&run, ARGV(build_path("tests/programs/fetch-gnutls", 1), url("/a")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 3);
}

static void test_read_callback_upload_rewound_through_seek_callback(void **state)
{
    (void)state;
    server_start(&server, "/put: 500 | 503 | 200 body=stored\n");
    run_program(&run, ARGV(fetch(), "--upload", make_upload_file(100000), url("/put")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("stored");
    assert_same_body_every_attempt(&server, "/put", 3, 100000);
}

static void test_upload_without_seek_callback_is_not_retried(void **state)
{
    (void)state;
    server_start(&server, "/put: 500 body=failed | 200 body=stored\n");
    run_program(&run, ARGV(fetch(), "--upload-noseek", make_upload_file(1000), url("/put")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("failed");
    assert_int_equal(server_requests(&server, "/put"), 1);
    assert_non_null(strstr(run.err, "cannot be rewound"));
}

static void test_default_file_reader_upload_rewound(void **state)
{
    (void)state;
    server_start(&server, "/put: 503 | 200 body=stored\n");
    run_program(&run, ARGV(fetch(), "--upload-default", make_upload_file(70000), url("/put")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("stored");
    assert_same_body_every_attempt(&server, "/put", 2, 70000);
}

static void test_copied_post_fields_resent(void **state)
{
    (void)state;
    server_start(&server, "/post: 503 | 429 ra=0 | 201 body=made\n");
    run_program(&run, ARGV(fetch(), "--copy-post", "{\"prompt\":\"hello\"}", url("/post")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("made");
    assert_same_body_every_attempt(&server, "/post", 3, 18);
}

static void test_curlopt_header_shows_one_response(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=down | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--include", "--header-callback", url("/a")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 "), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 200"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "down"), 0);
    assert_true(!memcmp(run.out + run.out_len - 4, "\r\nok", 4));
    /* The header callback saw the final response only, once. */
    assert_int_equal(count_occurrences(run.err, run.err_len, "header: HTTP/1.1"), 1);
    assert_int_equal(count_occurrences(run.err, run.err_len, "header: HTTP/1.1 200"), 1);
}

/* libcurl puts only HTTP headers in the body under CURLOPT_HEADER: a file:// transfer's header
   lines (Content-Length, Last-Modified...) go to the header callback alone. The library keeps
   out of a transfer it does not retry, so the output is libcurl's own, byte for byte. */
static void test_curlopt_header_on_a_file_url_is_libcurls_own(void **state)
{
    (void)state;
    char file_url[sizeof(upload_path) + 8];
    snprintf(file_url, sizeof(file_url), "file://%s", make_upload_file(300));
    struct run_result without = {0};
    run_program(&without, ARGV(fetch(), "--include", "--header-callback", file_url), NULL, NULL, 0,
                false);
    ASSERT_SHOWING_RUN(&without, without.exit_status == 0 && without.out_len == 300);
    run_program(&run, ARGV(fetch(), "--include", "--header-callback", file_url), ENV(QUICK_RETRIES),
                NULL, 0, true);
    ASSERT_SHOWING_RUN(&run, run.exit_status == 0);
    assert_int_equal(run.out_len, without.out_len);
    assert_memory_equal(run.out, without.out, without.out_len);
    assert_int_equal(run.err_len, without.err_len);
    assert_memory_equal(run.err, without.err, without.err_len);
    run_result_free(&without);
    unlink(upload_path);
}

/* A transfer the library does not retry (a host TRYAGAIN_HOSTS leaves out) keeps libcurl's own
   CURLOPT_HEADER, even when it is set before any write-side option: the header lines are in
   the body as without the library. */
static void test_curlopt_header_set_first_on_a_host_not_retried_is_libcurls_own(void **state)
{
    (void)state;
    server_start(&server, "/a: 200 body=ok\n");
    struct run_result without = {0};
    run_program(&without, ARGV(fetch(), "--include-first", url("/a")), NULL, NULL, 0, false);
    ASSERT_SHOWING_RUN(&without, without.exit_status == 0);
    run_program(&run, ARGV(fetch(), "--include-first", url("/a")),
                ENV(QUICK_RETRIES, "TRYAGAIN_HOSTS=api.example.com"), NULL, 0, true);
    ASSERT_SHOWING_RUN(&run, run.exit_status == 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "HTTP/1.1 200"), 1);
    assert_int_equal(count_occurrences(without.out, without.out_len, "HTTP/1.1 200"), 1);
    assert_true(!memcmp(run.out + run.out_len - 4, "\r\nok", 4));
    run_result_free(&without);
}

static void test_sixteen_threads_at_once(void **state)
{
    (void)state;
    char script[4096] = "";
    for(int i = 0; i < 16; i++) {
        char line[128];
        snprintf(line, sizeof(line), "/thread%d: 429 ra=0 | 503 | 200 body=ok%d\n", i, i);
        strcat(script, line);
    }
    server_start(&server, script);
    run_program(&run, ARGV(fetch(), "--threads", "16", url("/thread{i}")), ENV(QUICK_RETRIES), NULL,
                0, true);
    assert_int_equal(run.exit_status, 0);
    for(int i = 0; i < 16; i++) {
        char expected[64], path[32];
        snprintf(expected, sizeof(expected), "%d rc=0 status=200 body=ok%d\n", i, i);
        snprintf(path, sizeof(path), "/thread%d", i);
        assert_non_null(strstr(run.out, expected));
        assert_int_equal(server_requests(&server, path), 3);
    }
}

static void test_duplicated_handle_retries_on_its_own(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--dup", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_reset_handle_forgets_earlier_options(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--reset", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("ok");
    char method[16];
    assert_true(server_request(&server, "/a", 2, method, NULL, NULL));
    assert_string_equal(method, "GET"); /* the POSTFIELDS set before the reset are gone */
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_short_write_still_aborts(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--short-write", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 23); /* CURLE_WRITE_ERROR, as without the library */
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_curlopt_private_stays_the_programs(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--check-private", url("/a")), ENV(QUICK_RETRIES), NULL, 0,
                true);
    assert_non_null(strstr(run.err, "CURLOPT_PRIVATE kept"));
}

static void test_signal_during_wait_ends_retries(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=5 body=busy | 200 body=ok\n");
    run_program(&run, ARGV(fetch(), "--alarm", "1", url("/a")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("busy");
    assert_non_null(strstr(run.err, "status=429"));
    assert_non_null(strstr(run.err, "a signal interrupted the wait"));
    assert_int_equal(server_requests(&server, "/a"), 1);
    assert_true(run.elapsed_ms < 3000);
}

static void test_pycurl_loading_libcurl_late(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 503 | 200 body=from-pycurl\n");
    run_program(
        &run, ARGV("/usr/bin/python3", source_path("tests/programs/pycurl_fetch.py", 1), url("/a")),
        ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_output("200 from-pycurl");
    assert_int_equal(server_requests(&server, "/a"), 3);
}

static void test_form_post_is_resent(void **state)
{
    (void)state;
    server_start(&server, "/form: 503 | 200 body=thanks\n");
    run_program(&run, ARGV(fetch(), "--form", url("/form")), ENV(QUICK_RETRIES), NULL, 0, true);
    assert_output("thanks");
    assert_int_equal(server_requests(&server, "/form"), 2);
}

/* libcurl reads a CURLFORM_STREAM part through the read callback with the part's own pointer;
   such a part cannot be read again, so a retry is refused rather than sent short. */
static void test_form_post_with_a_streamed_part_is_not_resent(void **state)
{
    (void)state;
    server_start(&server, "/form: 503 body=down | 200 body=thanks\n");
    run_program(&run, ARGV(fetch(), "--form-stream", url("/form")), ENV(QUICK_RETRIES), NULL, 0,
                true);
    assert_int_equal(run.term_signal, 0);
    assert_output("down");
    assert_int_equal(server_requests(&server, "/form"), 1);
    assert_non_null(strstr(run.err, "cannot be rewound"));
    long length = 0;
    assert_true(server_request(&server, "/form", 1, NULL, &length, NULL));
    assert_true(length > 0);
}

static void test_trailers_never_enter_the_body_under_curlopt_header(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=hello chunked trailer=X-Sum:abc\n");
    run_program(&run, ARGV(fetch(), "--include", "--header-callback", url("/a")),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_int_equal(count_occurrences(run.out, run.out_len, "X-Sum"), 0);
    assert_true(run.out_len >= 5 && !memcmp(run.out + run.out_len - 5, "hello", 5));
    assert_non_null(strstr(run.err, "header: X-Sum: abc")); /* the header callback has it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
        T(test_openssl_flavour_retries),
        T(test_gnutls_flavour_retries),
        T(test_read_callback_upload_rewound_through_seek_callback),
        T(test_upload_without_seek_callback_is_not_retried),
        T(test_default_file_reader_upload_rewound),
        T(test_copied_post_fields_resent),
        T(test_curlopt_header_shows_one_response),
        T(test_curlopt_header_on_a_file_url_is_libcurls_own),
        T(test_curlopt_header_set_first_on_a_host_not_retried_is_libcurls_own),
        T(test_sixteen_threads_at_once),
        T(test_duplicated_handle_retries_on_its_own),
        T(test_reset_handle_forgets_earlier_options),
        T(test_short_write_still_aborts),
        T(test_curlopt_private_stays_the_programs),
        T(test_signal_during_wait_ends_retries),
        T(test_pycurl_loading_libcurl_late),
        T(test_form_post_is_resent),
        T(test_form_post_with_a_streamed_part_is_not_resent),
        T(test_trailers_never_enter_the_body_under_curlopt_header),
    };
    return cmocka_run_group_tests_name("libcurl programs under tryagain", tests, NULL, NULL);
}
