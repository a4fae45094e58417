/* PHP 8.2 (Debian's php-cli and php-curl) under the library. PHP opens every extension with
   RTLD_DEEPBIND, so before issue 10 nothing it did through curl.so or sockets.so was reached.
   tests/programs/php_client.php makes the calls. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* What every run of this suite starts from. */
#define PHP_RETRIES "TRYAGAIN_BASE_DELAY_MS=20", "TRYAGAIN_MAX_DELAY_MS=50", "TRYAGAIN_LOG=1"
#define PHP "/usr/bin/php"
#define LATE_MS 400

static struct server server;
static struct run_result run;
static struct late_listener listener;
static char body_path[64];

static int stop_everything(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    late_listener_stop(&listener);
    if(body_path[0])
        unlink(body_path);
    body_path[0] = '\0';
    return 0;
}

#define EXPECT(condition) ASSERT_SHOWING_RUN(&run, condition)

/* Skips (true) where PHP cannot run under the library: not installed (scripts/setup.sh
   installs it), or the sanitizer run, whose ASan runtime refuses RTLD_DEEPBIND itself. */
static bool php_unavailable(void)
{
    if(access(PHP, X_OK) != 0 || access("/usr/lib/php", F_OK) != 0) {
        fprintf(stderr, "skipped: %s is not installed (apt-get install php-cli php-curl)\n", PHP);
        return true;
    }
    const char *first = getenv("TRYAGAIN_TEST_PRELOAD_FIRST");
    if(first && strstr(first, "libasan")) {
        fprintf(stderr, "skipped: libasan refuses PHP's RTLD_DEEPBIND extensions itself\n");
        return true;
    }
    return false;
}

static const char *client(void)
{
    return source_path("tests/programs/php_client.php", 1);
}

static void curl_exec_returntransfer_gets_the_final_answer(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    server_start(&server, "/plain: 503 body=down | 200 body=up\n"
                          "/rt: 429 ra=0 | 503 | 200 body=hello\n");
    /* Without the library PHP gets the 503. */
    run_program(&run, ARGV(PHP, client(), "returntransfer", server_url(&server, "/plain", 0)), NULL,
                NULL, 0, false);
    assert_run_output(&run, "status=503 body=down\n");
    run_result_free(&run);
    run_program(&run, ARGV(PHP, client(), "returntransfer", server_url(&server, "/rt", 0)),
                ENV(PHP_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=200 body=hello\n");
    assert_int_equal(server_requests(&server, "/rt"), 3);
    EXPECT(strstr(run.err, "HTTP 429, attempt 1/5"));
}

/* curl_multi_exec in the loops Composer and Guzzle use: only final answers, one completion
   each, and the waits honoured. */
static void run_multi_shape(const char *shape)
{
    server_start(&server, "/a: 429 ra=1 body=busy | 200 body=first\n"
                          "/b: 503 | 503 | 200 body=second\n"
                          "/c: 200 body=third\n");
    run_program(&run,
                ARGV(PHP, client(), shape, server_url(&server, "/a", 0),
                     server_url(&server, "/b", 1), server_url(&server, "/c", 2)),
                ENV(PHP_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=200 body=first\nstatus=200 body=second\n"
                            "status=200 body=third\ncompletions=3\n");
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_int_equal(server_requests(&server, "/b"), 3);
    assert_int_equal(server_requests(&server, "/c"), 1);
    EXPECT(run.elapsed_ms >= 1000);
}

static void curl_multi_exec_as_composer(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    run_multi_shape("composer");
}

static void curl_multi_exec_as_guzzle(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    run_multi_shape("guzzle");
}

static void curl_exec_into_a_file_keeps_only_the_final_body(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    server_start(&server, "/file: 503 body=not-this | 200 size=100000\n");
    snprintf(body_path, sizeof(body_path), "/tmp/tryagain-php-XXXXXX");
    int fd = mkstemp(body_path);
    assert_true(fd >= 0);
    close(fd);
    run_program(&run, ARGV(PHP, client(), "file", server_url(&server, "/file", 0), body_path),
                ENV(PHP_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=200 body=(in file)\n");
    assert_int_equal(server_requests(&server, "/file"), 2);
    FILE *file = fopen(body_path, "rb");
    assert_non_null(file);
    size_t length = 0;
    int byte;
    while((byte = fgetc(file)) != EOF) {
        assert_int_equal(byte, pattern_byte(length));
        length++;
    }
    fclose(file);
    assert_int_equal(length, 100000);
}

static void a_post_is_resent_whole(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    server_start(&server, "/post: 503 | 429 ra=0 | 201 body=made\n");
    run_program(&run, ARGV(PHP, client(), "post", server_url(&server, "/post", 0), "5000"),
                ENV(PHP_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=201 body=made\n");
    assert_same_body_every_attempt(&server, "/post", 3, 5000);
}

static void curl_getinfo_reports_the_last_attempt_when_attempts_run_out(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    server_start(&server, "/down: 502 body=first | 503 body=still-down\n");
    run_program(&run, ARGV(PHP, client(), "returntransfer", server_url(&server, "/down", 0)),
                ENV(PHP_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=3"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=503 body=still-down\n");
    assert_int_equal(server_requests(&server, "/down"), 3);
    EXPECT(strstr(run.err, "giving up"));
}

/* PHP FFI: ffi.so (a DEEPBIND group of its own) dlopens libcurl and takes its functions with
   dlsym on libcurl's handle. */
static void php_ffi_transfers_are_retried(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    server_start(&server, "/ffi: 503 body=down | 200 body=through-ffi\n");
    run_program(&run,
                ARGV(PHP, "-d", "ffi.enable=1", client(), "ffi", "libcurl-gnutls.so.4",
                     server_url(&server, "/ffi", 0)),
                ENV(PHP_RETRIES), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    /* libcurl writes the body with C stdio, PHP its line with its own: either may come first. */
    EXPECT(strstr(run.out, "through-ffi") && strstr(run.out, "rc=0 status=200\n"));
    EXPECT(!strstr(run.out, "down"));
    assert_int_equal(server_requests(&server, "/ffi"), 2);
}

static const char *listener_port(void)
{
    static char port[16];
    snprintf(port, sizeof(port), "%d", listener.port);
    return port;
}

static void socket_connect_waits_for_a_late_server(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    late_listener_start(&listener, LATE_MS);
    run_program(&run, ARGV(PHP, client(), "socket", listener_port()),
                ENV(PHP_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "connected read=hello\n");
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(strstr(run.err, "Connection refused (ECONNREFUSED), attempt 1, "));
    assert_int_equal(late_listener_stop(&listener), 1);
}

/* fsockopen() connects non-blocking and waits in poll() for its timeout: a non-blocking
   connect() is the program's own (README, "Only blocking connects"), so PHP sees the refusal
   at once, exactly as without the library. */
static void fsockopen_connects_non_blocking_and_is_left_alone(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    late_listener_start(&listener, 2000);
    run_program(&run, ARGV(PHP, client(), "fsockopen", listener_port()),
                ENV(PHP_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=40", "TRYAGAIN_LOG=2"), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "failed errno=111\n");
    EXPECT(run.elapsed_ms < 1500);
    EXPECT(!strstr(run.err, "connect 127.0.0.1"));
    assert_int_equal(late_listener_stop(&listener), 0);
}

/* An LLM call that must not be billed twice: PHP's POST carries one idempotency key on every
   attempt, is retried through a 500, and its last attempt goes to the fallback host. */
static void curl_exec_post_with_a_key_falls_back(void **state)
{
    (void)state;
    if(php_unavailable())
        return;
    static struct server fallback;
    server_start(&server, "/v1/chat: 500 | 502\n");
    server_start(&fallback, "/v1/chat: 200 body=answer hdr=x-request-id:req_fb\n");
    char setting[96];
    snprintf(setting, sizeof(setting), "TRYAGAIN_FALLBACK=127.0.0.1:%d=127.0.0.1:%d", server.port,
             fallback.port);
    run_program(&run, ARGV(PHP, client(), "post", server_url(&server, "/v1/chat", 0), "100"),
                ENV(PHP_RETRIES, "TRYAGAIN_IDEMPOTENCY_KEY=Idempotency-Key", setting), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    assert_run_output(&run, "status=200 body=answer\n");
    assert_int_equal(server_requests(&server, "/v1/chat"), 2);
    char first[64], second[64], third[64];
    assert_true(server_request_field(&server, "/v1/chat", 1, "key", first, sizeof(first)));
    assert_true(server_request_field(&server, "/v1/chat", 2, "key", second, sizeof(second)));
    bool on_fallback = server_request_field(&fallback, "/v1/chat", 1, "key", third, sizeof(third));
    server_stop(&fallback);
    assert_true(on_fallback);
    assert_int_equal(strlen(first), 36);
    assert_string_equal(first, second);
    assert_string_equal(first, third);
    EXPECT(strstr(run.err, "HTTP 200 (request id req_fb), attempt 3/5; done"));
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, stop_everything)
    const struct CMUnitTest tests[] = {
        T(curl_exec_returntransfer_gets_the_final_answer),
        T(curl_exec_post_with_a_key_falls_back),
        T(curl_exec_into_a_file_keeps_only_the_final_body),
        T(curl_multi_exec_as_composer),
        T(curl_multi_exec_as_guzzle),
        T(a_post_is_resent_whole),
        T(curl_getinfo_reports_the_last_attempt_when_attempts_run_out),
        T(php_ffi_transfers_are_retried),
        T(socket_connect_waits_for_a_late_server),
        T(fsockopen_connects_non_blocking_and_is_left_alone),
    };
#undef T
    return cmocka_run_group_tests_name("PHP", tests, NULL, NULL);
}
