/* libcurl's multi interface under the library: curl -Z and a program that drives the multi in
   each way real programs do (curl_multi_wait, curl_multi_poll, fdset and select, socket_action
   over epoll, messages read after the loop), against a scripted server. What a user observes:
   only final bodies, one completion per transfer, the attempts counted at the server, the time
   waited, and no busy loop while a retry waits. */
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

static const char *url(const char *path, int slot)
{
    return server_url(&server, path, slot);
}

static const char *multi_loop(void)
{
    return build_path("tests/programs/multi_loop", 5);
}

/* Four transfers that end four ways: a 429 with Retry-After, two 503s, a 200, a 404. */
static const char four_ways[] = "/a: 429 ra=1 body=busy-a | 200 body=final-a\n"
                                "/b: 503 body=busy-b | 503 body=busy-b | 200 body=final-b\n"
                                "/c: 200 body=final-c\n"
                                "/d: 404 body=missing-d\n";

static void assert_four_ways_attempts(void)
{
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_int_equal(server_requests(&server, "/b"), 3);
    assert_int_equal(server_requests(&server, "/c"), 1);
    assert_int_equal(server_requests(&server, "/d"), 1);
}

static long loops_reported(void)
{
    const char *line = strstr(run.err, "loops=");
    assert_non_null(line);
    return atol(line + strlen("loops="));
}

static void run_loop(const char *mode)
{
    server_start(&server, four_ways);
    run_program(&run,
                ARGV(multi_loop(), mode, url("/a", 0), url("/b", 1), url("/c", 2), url("/d", 3)),
                ENV(QUICK_RETRIES), NULL, 0, true);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "final-afinal-bfinal-cmissing-d");
    assert_four_ways_attempts();
    assert_int_equal(count_occurrences(run.err, run.err_len, "done "), 4);
    assert_true(run.elapsed_ms >= 1000); /* never shorter than the server asked */
    assert_true(run.elapsed_ms < 5000);
    /* A second of waiting costs a few calls of the loop, not thousands. */
    assert_true(loops_reported() < 100);
}

static void test_curl_multi_wait_loop(void **state)
{
    (void)state;
    run_loop("wait");
}

static void test_curl_multi_poll_loop(void **state)
{
    (void)state;
    run_loop("poll");
}

static void test_fdset_and_select_loop_as_git(void **state)
{
    (void)state;
    run_loop("fdset");
}

static void test_socket_action_over_epoll_and_a_timerfd(void **state)
{
    (void)state;
    run_loop("socket");
}

static void test_messages_read_only_after_the_loop(void **state)
{
    (void)state;
    run_loop("late");
    /* All four wait in the queue, first in first out, and msgs_in_queue counts down; the
       transfer told to wait a second ends last. */
    const char *at = run.err;
    static const char *const in_order[] = {"left=3", "left=2", "left=1",
                                           "done 0 rc=0 status=200 left=0"};
    for(int i = 0; i < 4; i++) {
        const char *found = strstr(at, in_order[i]);
        if(!found)
            show_run(&run);
        assert_non_null(found);
        at = found;
    }
}

/* Event loops arm timers from a cached clock and fire a little early: the retry is not due
   yet, and the program's timer must be set again for it. */
static void test_a_timer_that_fires_early_is_set_again(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=1 | 200 body=final-a\n");
    run_program(&run, ARGV(multi_loop(), "socket", "--early-timer", "40", url("/a", 0)),
                ENV(QUICK_RETRIES), NULL, 0, true);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "final-a");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

/* The final response is handed over by the library, outside libcurl; a write callback that
   calls curl_multi_remove_handle there is refused as libcurl refuses it in its callbacks. */
static void test_a_remove_from_a_callback_is_refused_as_by_libcurl(void **state)
{
    (void)state;
    /* Held whole as it may be retried, then final: the wait would pass the deadline. */
    server_start(&server, "/a: 503 size=200000\n");
    run_program(
        &run, ARGV(multi_loop(), "wait", "--remove-in-callback", url("/a", 0)),
        ENV("TRYAGAIN_BASE_DELAY_MS=5000", "TRYAGAIN_JITTER=none", "TRYAGAIN_DEADLINE_MS=1000"),
        NULL, 0, true);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.term_signal, 0);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(run.out_len, 200000);
    for(size_t i = 0; i < run.out_len; i += 997)
        assert_int_equal((unsigned char)run.out[i], pattern_byte(i));
    assert_non_null(strstr(run.err, "remove in callback -> 8")); /* CURLM_RECURSIVE_API_CALL */
    assert_int_equal(server_requests(&server, "/a"), 1);
}

/* Removing a transfer drops its unread completion, whether the library retried it or not. */
static void test_remove_drops_the_unread_completion(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=retried\n");
    char file_url[600];
    snprintf(file_url, sizeof(file_url), "file://%s", source_path("README.md", 6));
    run_program(&run, ARGV(multi_loop(), "removedone", url("/a", 0), file_url), ENV(QUICK_RETRIES),
                NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_non_null(strstr(run.err, "after remove: no message"));
    assert_null(strstr(run.err, "message changed after remove"));
}

static void test_deprecated_socket_all_loop(void **state)
{
    (void)state;
    run_loop("socketall");
}

/* Without the library the same loop sees the first answers: the test can tell the two apart. */
static void test_without_the_library_the_loop_sees_the_failures(void **state)
{
    (void)state;
    server_start(&server, four_ways);
    run_program(&run, ARGV(multi_loop(), "wait", url("/a", 0), url("/b", 1)), NULL, NULL, 0, false);
    assert_run_output(&run, "busy-abusy-b");
    assert_int_equal(server_requests(&server, "/a"), 1);
}

static const char *file_in_server_dir(const char *name, int slot)
{
    static char paths[4][512];
    snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", server.dir, name);
    return paths[slot];
}

static char *slurp(const char *path)
{
    FILE *file = fopen(path, "rb");
    if(!file)
        return strdup("(missing)");
    static char buffer[65536];
    size_t length = fread(buffer, 1, sizeof(buffer) - 1, file);
    fclose(file);
    buffer[length] = '\0';
    return strdup(buffer);
}

static void assert_file(const char *path, const char *expected)
{
    char *text = slurp(path);
    assert_string_equal(text, expected);
    free(text);
}

static void run_curl_parallel(const char *parallel_max)
{
    server_start(&server, four_ways);
    const char *a = file_in_server_dir("a.out", 0);
    const char *b = file_in_server_dir("b.out", 1);
    const char *c = file_in_server_dir("c.out", 2);
    const char *d = file_in_server_dir("d.out", 3);
    run_program(&run,
                ARGV(CURL, "-sS", "-Z", "--parallel-max", parallel_max, "-o", a, url("/a", 0), "-o",
                     b, url("/b", 1), "-o", c, url("/c", 2), "-o", d, url("/d", 3)),
                ENV(QUICK_RETRIES, "TRYAGAIN_STATS=1"), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_file(a, "final-a");
    assert_file(b, "final-b");
    assert_file(c, "final-c");
    assert_file(d, "missing-d");
    assert_four_ways_attempts();
    assert_true(run.elapsed_ms >= 1000);
    assert_non_null(strstr(run.err, "stats: 4 transfers"));
}

static void test_curl_parallel_files_hold_only_final_bodies(void **state)
{
    (void)state;
    run_curl_parallel("50");
}

static void test_curl_parallel_one_at_a_time(void **state)
{
    (void)state;
    run_curl_parallel("1");
}

static void test_curl_parallel_stdout_has_no_error_body(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=busy | 200 body=one\n/b: 200 body=two\n");
    run_program(&run, ARGV(CURL, "-s", "-Z", url("/a", 0), url("/b", 1)), ENV(QUICK_RETRIES), NULL,
                0, true);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "busy"), 0);
    assert_int_equal(count_occurrences(run.out, run.out_len, "one"), 1);
    assert_int_equal(count_occurrences(run.out, run.out_len, "two"), 1);
    assert_int_equal(server_requests(&server, "/a"), 2);
}

/* curl_easy_perform runs on a multi of libcurl's own, through the exported curl_multi_*
   symbols: those transfers must be retried once, by the easy hooks, not twice. */
static void test_an_easy_transfer_is_not_retried_twice(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=busy\n");
    run_program(&run, ARGV(CURL, "-s", url("/a", 0)), ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=2"),
                NULL, 0, true);
    assert_int_equal(server_requests(&server, "/a"), 2);
    assert_run_output(&run, "busy");
}

static void test_failonerror_429_is_retried(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 200 body=fine\n");
    run_program(&run, ARGV(multi_loop(), "wait", "--fail", url("/a", 0)), ENV(QUICK_RETRIES), NULL,
                0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "fine");
    assert_non_null(strstr(run.err, "done 0 rc=0 status=200"));
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static void test_a_post_is_re_sent_whole(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 503 | 200 body=stored\n");
    run_program(&run, ARGV(multi_loop(), "poll", "--post", "name=value&more=1", url("/a", 0)),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "stored");
    assert_same_body_every_attempt(&server, "/a", 3, (long)strlen("name=value&more=1"));
}

static void test_the_last_attempt_is_final_when_attempts_run_out(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 body=busy\n/b: 200 body=ok\n");
    run_program(&run, ARGV(multi_loop(), "socket", url("/a", 0), url("/b", 1)),
                ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=3"), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, "busyok");
    assert_int_equal(server_requests(&server, "/a"), 3);
    assert_int_equal(count_occurrences(run.err, run.err_len, "done 0 rc=0 status=503"), 1);
    assert_non_null(strstr(run.err, "attempt 3/3; giving up: attempts exhausted"));
}

/* The program's own actions win: a transfer it removes while its retry waits is not retried. */
static void test_remove_during_a_wait_cancels_the_retry(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=2 | 200 body=late\n/c: 200 body=other\n");
    run_program(&run,
                ARGV(multi_loop(), "wait", "--remove-after", "300", url("/a", 0), url("/c", 1)),
                ENV(QUICK_RETRIES), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_non_null(strstr(run.err, "removed 0"));
    assert_run_output(&run, "other");
    assert_int_equal(server_requests(&server, "/a"), 1);
    assert_true(run.elapsed_ms < 1800);
}

static void test_a_hundred_transfers_in_one_multi(void **state)
{
    (void)state;
    char script[8192] = "";
    const char *argv[110];
    int argc = 0;
    static char urls[100][96];
    argv[argc++] = multi_loop();
    argv[argc++] = "poll";
    for(int i = 0; i < 100; i++) {
        char line[96];
        snprintf(line, sizeof(line), "/p%d: 503 | 200 body=%d,\n", i, i);
        strcat(script, line);
    }
    server_start(&server, script);
    char expected[1024] = "";
    for(int i = 0; i < 100; i++) {
        char path[16];
        snprintf(path, sizeof(path), "/p%d", i);
        snprintf(urls[i], sizeof(urls[i]), "%s", url(path, 0));
        argv[argc++] = urls[i];
        char part[16];
        snprintf(part, sizeof(part), "%d,", i);
        strcat(expected, part);
    }
    argv[argc] = NULL;
    run_program(&run, argv, ENV(QUICK_RETRIES, "TRYAGAIN_LOG=0"), NULL, 0, true);
    assert_int_equal(run.exit_status, 0);
    assert_run_output(&run, expected);
    for(int i = 0; i < 100; i += 33) {
        char path[16];
        snprintf(path, sizeof(path), "/p%d", i);
        assert_int_equal(server_requests(&server, path), 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_curl_multi_wait_loop, stop_everything),
        cmocka_unit_test_teardown(test_curl_multi_poll_loop, stop_everything),
        cmocka_unit_test_teardown(test_fdset_and_select_loop_as_git, stop_everything),
        cmocka_unit_test_teardown(test_socket_action_over_epoll_and_a_timerfd, stop_everything),
        cmocka_unit_test_teardown(test_messages_read_only_after_the_loop, stop_everything),
        cmocka_unit_test_teardown(test_deprecated_socket_all_loop, stop_everything),
        cmocka_unit_test_teardown(test_a_timer_that_fires_early_is_set_again, stop_everything),
        cmocka_unit_test_teardown(test_a_remove_from_a_callback_is_refused_as_by_libcurl,
                                  stop_everything),
        cmocka_unit_test_teardown(test_remove_drops_the_unread_completion, stop_everything),
        cmocka_unit_test_teardown(test_without_the_library_the_loop_sees_the_failures,
                                  stop_everything),
        cmocka_unit_test_teardown(test_curl_parallel_files_hold_only_final_bodies, stop_everything),
        cmocka_unit_test_teardown(test_curl_parallel_one_at_a_time, stop_everything),
        cmocka_unit_test_teardown(test_curl_parallel_stdout_has_no_error_body, stop_everything),
        cmocka_unit_test_teardown(test_an_easy_transfer_is_not_retried_twice, stop_everything),
        cmocka_unit_test_teardown(test_failonerror_429_is_retried, stop_everything),
        cmocka_unit_test_teardown(test_a_post_is_re_sent_whole, stop_everything),
        cmocka_unit_test_teardown(test_the_last_attempt_is_final_when_attempts_run_out,
                                  stop_everything),
        cmocka_unit_test_teardown(test_remove_during_a_wait_cancels_the_retry, stop_everything),
        cmocka_unit_test_teardown(test_a_hundred_transfers_in_one_multi, stop_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
