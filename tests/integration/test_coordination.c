/* Coordinated retries across processes: several unmodified curl processes under the library
   against tests/integration/limiter_server.py (a leaky bucket like nginx's limit_req), each
   test with a state directory of its own ($XDG_RUNTIME_DIR, 0700). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CURL "/usr/bin/curl"
#define MAX_CLIENTS 64

struct limiter {
    pid_t pid;
    int port;
    char dir[64]; /* the test's temporary directory: the limiter's log and the state dir */
    char log_path[128];
    char state_dir[128];
    char url[128];
    char xdg[160]; /* "XDG_RUNTIME_DIR=..." */
};

/* The limiter of the test under way, stopped by the teardown when an assertion fails. */
static struct limiter *running;

static void limiter_start(struct limiter *limiter, const char *rate, const char *burst,
                          const char *mode)
{
    running = limiter;
    snprintf(limiter->dir, sizeof(limiter->dir), "/tmp/tryagain-coord-XXXXXX");
    assert_non_null(mkdtemp(limiter->dir));
    snprintf(limiter->log_path, sizeof(limiter->log_path), "%s/requests.log", limiter->dir);
    snprintf(limiter->state_dir, sizeof(limiter->state_dir), "%s/run", limiter->dir);
    assert_int_equal(mkdir(limiter->state_dir, 0700), 0);
    snprintf(limiter->xdg, sizeof(limiter->xdg), "XDG_RUNTIME_DIR=%s", limiter->state_dir);
    int port_pipe[2];
    assert_int_equal(pipe(port_pipe), 0);
    limiter->pid = fork();
    if(limiter->pid == 0) {
        dup2(port_pipe[1], STDOUT_FILENO);
        close(port_pipe[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        unsetenv("LD_PRELOAD");
        execlp("python3", "python3", source_path("tests/integration/limiter_server.py", 0), rate,
               burst, limiter->log_path, mode, (char *)NULL);
        _exit(127);
    }
    close(port_pipe[1]);
    char line[32] = {0};
    for(size_t used = 0; used < sizeof(line) - 1; used++) {
        if(read(port_pipe[0], line + used, 1) <= 0 || line[used] == '\n')
            break;
    }
    close(port_pipe[0]);
    limiter->port = atoi(line);
    assert_true(limiter->port > 0);
    snprintf(limiter->url, sizeof(limiter->url), "http://127.0.0.1:%d/x", limiter->port);
}

static void limiter_stop(struct limiter *limiter)
{
    running = NULL;
    kill(limiter->pid, SIGTERM);
    waitpid(limiter->pid, NULL, 0);
    char command[200];
    snprintf(command, sizeof(command), "rm -rf %s", limiter->dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", limiter->dir);
}

static const char *state_file(const struct limiter *limiter)
{
    static char path[200];
    snprintf(path, sizeof(path), "%s/tryagain-coordinate.v1", limiter->state_dir);
    return path;
}

/* What the limiter logged: statuses in order, and the time of each. */
struct requests {
    int count, ok, limited, failed;
    double time[4096];
    int status[4096];
};

static void read_requests(const struct limiter *limiter, struct requests *out)
{
    memset(out, 0, sizeof(*out));
    FILE *log = fopen(limiter->log_path, "r");
    assert_non_null(log);
    double time;
    int status;
    char path[64];
    while(out->count < 4096 && fscanf(log, "%lf %d %63s", &time, &status, path) == 3) {
        out->time[out->count] = time;
        out->status[out->count++] = status;
        out->ok += status == 200;
        out->limited += status == 429;
        out->failed += status == 503;
    }
    fclose(log);
}

static void control(const struct limiter *limiter, const char *path)
{
    char url[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", limiter->port, path);
    struct run_result result;
    run_program(&result, ARGV(CURL, "-s", "-o", "/dev/null", url), NULL, NULL, 0, false);
    assert_int_equal(result.exit_status, 0);
    run_result_free(&result);
}

/* count curl processes started together, each under the library with env; their exit
   statuses in statuses (-signal when killed). kill_after_ms > 0: the first kill_count are
   sent SIGKILL that long after the start. */
static void run_clients(const struct limiter *limiter, int count, const char *const *env,
                        int *statuses, int kill_count, long kill_after_ms)
{
    pid_t pids[MAX_CLIENTS];
    for(int i = 0; i < count; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if(pids[i] == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, STDOUT_FILENO);
            setenv("LD_PRELOAD", build_path("libtryagain.so", 0), 1);
            setenv("XDG_RUNTIME_DIR", limiter->state_dir, 1);
            for(const char *const *entry = env; entry && *entry; entry++)
                putenv((char *)*entry);
            execl(CURL, CURL, "-sf", "-o", "/dev/null", limiter->url, (char *)NULL);
            _exit(127);
        }
    }
    if(kill_count) {
        struct timespec wait = {kill_after_ms / 1000, (kill_after_ms % 1000) * 1000000L};
        nanosleep(&wait, NULL);
        for(int i = 0; i < kill_count; i++)
            kill(pids[i], SIGKILL);
    }
    for(int i = 0; i < count; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        statuses[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
}

static int count_status(const int *statuses, int count, int wanted)
{
    int n = 0;
    for(int i = 0; i < count; i++)
        n += statuses[i] == wanted;
    return n;
}

static void show_requests(const struct requests *requests)
{
    for(int i = 0; i < requests->count; i++)
        fprintf(stderr, "%.3f:%d ", requests->time[i] - requests->time[0], requests->status[i]);
    fprintf(stderr, "\n");
}

/* The 200s of a warm run, after the host's rate was learned, come about one interval apart. */
static void processes_share_what_the_host_taught_them(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "20", "0", "");
    int statuses[MAX_CLIENTS];
    run_clients(&limiter, 20, ENV("TRYAGAIN_MAX_ATTEMPTS=10"), statuses, 0, 0);
    struct requests cold;
    read_requests(&limiter, &cold);
    if(count_status(statuses, 20, 0) != 20)
        show_requests(&cold);
    assert_int_equal(count_status(statuses, 20, 0), 20);
    assert_true(access(state_file(&limiter), F_OK) == 0);
    struct stat info;
    assert_int_equal(stat(state_file(&limiter), &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);

    /* Warm: a second herd starts at the learned pace, first attempts included. */
    run_clients(&limiter, 20, ENV("TRYAGAIN_MAX_ATTEMPTS=10"), statuses, 0, 0);
    struct requests all;
    read_requests(&limiter, &all);
    int warm_limited = all.limited - cold.limited;
    int first_warm = cold.count;
    double span = all.time[all.count - 1] - all.time[first_warm];
    if(count_status(statuses, 20, 0) != 20 || warm_limited > 4 || span < 0.75 || span > 2.5) {
        fprintf(stderr, "cold: %d requests (%d limited); warm: %d limited over %.3f s\n",
                cold.count, cold.limited, warm_limited, span);
        show_requests(&all);
    }
    assert_int_equal(count_status(statuses, 20, 0), 20);
    /* 20 requests at 20/s: 0.95 s; the learned spacing is within a few percent of it. */
    assert_true(warm_limited <= 4);
    assert_true(span >= 0.75 && span <= 2.5); /* generous: the machine is shared */

    struct run_result result;
    run_program(&result, ARGV(build_path("tryagain", 0), "status"), ENV(limiter.xdg), NULL, 0,
                false);
    if(!strstr(result.out, "pacing: on"))
        show_run(&result);
    assert_non_null(strstr(result.out, "pacing: on"));
    char origin[64];
    snprintf(origin, sizeof(origin), "http://127.0.0.1:%d\n", limiter.port);
    assert_non_null(strstr(result.out, origin));
    run_result_free(&result);
    limiter_stop(&limiter);
}

static void a_killed_process_blocks_nobody(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "20", "0", "retry-after=1");
    int statuses[MAX_CLIENTS];
    run_clients(&limiter, 16, ENV("TRYAGAIN_MAX_ATTEMPTS=10"), statuses, 4, 150);
    int killed = count_status(statuses, 16, -SIGKILL);
    assert_true(killed >= 1); /* one of them may have been done already */
    assert_int_equal(count_status(statuses, 16, 0), 16 - killed);
    limiter_stop(&limiter);
}

static void run_one(const struct limiter *limiter, const char *const *env,
                    struct run_result *result)
{
    run_program(result, ARGV(CURL, "-sf", "-o", "/dev/null", limiter->url), env, NULL, 0, true);
}

/* Five failures in a row over more than a second, from two processes, open the breaker (0,
   0.3 and 0.9 s, then about 1.0 and 1.3 s; the fifth failure opens it, and the second
   process's third attempt is withheld). */
static void open_the_breaker(const struct limiter *limiter)
{
    struct run_result result;
    for(int i = 0; i < 2; i++) {
        run_one(limiter,
                ENV(limiter->xdg, "TRYAGAIN_MAX_ATTEMPTS=3", "TRYAGAIN_BASE_DELAY_MS=300",
                    "TRYAGAIN_JITTER=none", "TRYAGAIN_LOG=1"),
                &result);
        assert_int_equal(result.exit_status, 22);
        run_result_free(&result);
    }
    struct requests requests;
    read_requests(limiter, &requests);
    assert_int_equal(requests.failed, 3 + 2);
}

static void the_breaker_opens_for_everyone_and_a_success_closes_it(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "1000", "1000", "");
    control(&limiter, "/fail/on");
    open_the_breaker(&limiter);
    /* A third process sends its own attempt and gets the real 503, without retries. */
    struct run_result result;
    run_one(
        &limiter,
        ENV(limiter.xdg, "TRYAGAIN_MAX_ATTEMPTS=3", "TRYAGAIN_BASE_DELAY_MS=10", "TRYAGAIN_LOG=1"),
        &result);
    if(!strstr(result.err, "circuit open"))
        show_run(&result);
    assert_int_equal(result.exit_status, 22);
    assert_non_null(strstr(result.err, "circuit open"));
    run_result_free(&result);
    struct requests requests;
    read_requests(&limiter, &requests);
    assert_int_equal(requests.failed, 3 + 2 + 1);

    /* The host is back: the program's own attempt succeeds and closes the breaker for all. */
    control(&limiter, "/fail/off");
    run_one(&limiter, ENV(limiter.xdg), &result);
    assert_int_equal(result.exit_status, 0);
    run_result_free(&result);
    run_program(&result, ARGV(build_path("tryagain", 0), "status"), ENV(limiter.xdg), NULL, 0,
                false);
    assert_non_null(strstr(result.out, "breaker: closed"));
    run_result_free(&result);
    limiter_stop(&limiter);
}

/* The fallback host of the breaker tests: a scripted server that always answers. */
static struct server fallback;
static char fallback_setting[96];

static const char *fallback_to(const struct limiter *limiter)
{
    server_start(&fallback, "/x: 200 body=fallback-x\n/y: 200 body=fallback-y\n");
    snprintf(fallback_setting, sizeof(fallback_setting),
             "TRYAGAIN_FALLBACK=127.0.0.1:%d=127.0.0.1:%d", limiter->port, fallback.port);
    return fallback_setting;
}

static void assert_reason_logged(const struct limiter *limiter, const struct run_result *result)
{
    char reason[96];
    snprintf(reason, sizeof(reason), "circuit open on http://127.0.0.1:%d", limiter->port);
    if(!strstr(result->err, reason)) {
        show_run(result);
        fail_msg("no \"%s\" in the log", reason);
    }
}

static void with_the_breaker_open_a_call_goes_straight_to_its_fallback(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "1000", "1000", "");
    control(&limiter, "/fail/on");
    open_the_breaker(&limiter);
    const char *setting = fallback_to(&limiter);
    struct requests requests;

    /* Without a fallback, as before: the program's own attempt, its real 503, no retry. */
    struct run_result result;
    run_one(
        &limiter,
        ENV(limiter.xdg, "TRYAGAIN_MAX_ATTEMPTS=3", "TRYAGAIN_BASE_DELAY_MS=10", "TRYAGAIN_LOG=1"),
        &result);
    if(result.exit_status != 22 || !strstr(result.err, "(circuit open)"))
        show_run(&result);
    assert_int_equal(result.exit_status, 22);
    assert_non_null(strstr(result.err, "(circuit open)"));
    run_result_free(&result);
    read_requests(&limiter, &requests);
    assert_int_equal(requests.count, 3 + 2 + 1);

    /* With one, not a single request to the primary: the fallback answers the first attempt,
       and the line it logs (at TRYAGAIN_LOG=1, as any fallback's) says why. */
    run_program(&result, ARGV(CURL, "-sf", limiter.url),
                ENV(limiter.xdg, setting, "TRYAGAIN_BASE_DELAY_MS=10", "TRYAGAIN_LOG=1"), NULL, 0,
                true);
    if(result.exit_status != 0)
        show_run(&result);
    assert_int_equal(result.exit_status, 0);
    assert_run_output(&result, "fallback-x");
    assert_reason_logged(&limiter, &result);
    assert_non_null(strstr(result.err, "attempt 1/5; done"));
    run_result_free(&result);
    read_requests(&limiter, &requests);
    assert_int_equal(requests.count, 3 + 2 + 1);
    assert_int_equal(server_requests(&fallback, "/x"), 1);

    /* The fallback's success is the fallback's: the primary's breaker stays open, and the
       multi interface (curl -Z) goes straight to the fallback too. */
    char other[128];
    snprintf(other, sizeof(other), "http://127.0.0.1:%d/y", limiter.port);
    run_program(&result, ARGV(CURL, "-sfZ", limiter.url, other),
                ENV(limiter.xdg, setting, "TRYAGAIN_BASE_DELAY_MS=10", "TRYAGAIN_LOG=1"), NULL, 0,
                true);
    if(result.exit_status != 0 || result.out_len != 20)
        show_run(&result);
    assert_int_equal(result.exit_status, 0);
    assert_non_null(strstr(result.out, "fallback-x"));
    assert_non_null(strstr(result.out, "fallback-y"));
    assert_reason_logged(&limiter, &result);
    run_result_free(&result);
    read_requests(&limiter, &requests);
    assert_int_equal(requests.count, 3 + 2 + 1);
    assert_int_equal(server_requests(&fallback, "/x"), 2);
    assert_int_equal(server_requests(&fallback, "/y"), 1);
    server_stop(&fallback);
    limiter_stop(&limiter);
}

static void a_retry_the_open_breaker_would_withhold_goes_to_the_fallback(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "1000", "1000", "");
    control(&limiter, "/fail/on");
    const char *setting = fallback_to(&limiter);
    /* As in open_the_breaker, but the second process has a fallback it would only take after
       ten failures of its own: the fifth failure opens the breaker, and the retry it would
       withhold goes to the fallback instead. */
    struct run_result result;
    run_one(&limiter,
            ENV(limiter.xdg, "TRYAGAIN_MAX_ATTEMPTS=3", "TRYAGAIN_BASE_DELAY_MS=300",
                "TRYAGAIN_JITTER=none"),
            &result);
    assert_int_equal(result.exit_status, 22);
    run_result_free(&result);
    run_program(&result, ARGV(CURL, "-sf", limiter.url),
                ENV(limiter.xdg, setting, "TRYAGAIN_FALLBACK_AFTER=10", "TRYAGAIN_MAX_ATTEMPTS=3",
                    "TRYAGAIN_BASE_DELAY_MS=300", "TRYAGAIN_JITTER=none", "TRYAGAIN_LOG=1"),
                NULL, 0, true);
    if(result.exit_status != 0)
        show_run(&result);
    assert_int_equal(result.exit_status, 0);
    assert_run_output(&result, "fallback-x");
    char line[160];
    snprintf(line, sizeof(line),
             "attempt 2/3; retrying in 0.600 s (backoff) on fallback 127.0.0.1:%d", fallback.port);
    if(!strstr(result.err, line)) {
        show_run(&result);
        fail_msg("no \"%s\" in the log", line);
    }
    assert_reason_logged(&limiter, &result);
    run_result_free(&result);
    struct requests requests;
    read_requests(&limiter, &requests);
    assert_int_equal(requests.failed, 3 + 2);
    assert_int_equal(server_requests(&fallback, "/x"), 1);
    /* The retry went elsewhere: the primary withheld none. */
    run_program(&result, ARGV(build_path("tryagain", 0), "status"), ENV(limiter.xdg), NULL, 0,
                false);
    if(!strstr(result.out, "0 retries withheld"))
        show_run(&result);
    assert_non_null(strstr(result.out, "0 retries withheld"));
    run_result_free(&result);
    server_stop(&fallback);
    limiter_stop(&limiter);
}

static void write_state_file(const struct limiter *limiter, const char *content, mode_t mode)
{
    int fd = open(state_file(limiter), O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    fchmod(fd, mode);
    close(fd);
}

/* A damaged or foreign file: one warning, and the program runs on uncoordinated. */
static void check_ignored_with_one_warning(const struct limiter *limiter, const char *words)
{
    struct run_result result;
    run_one(limiter, ENV(limiter->xdg, "TRYAGAIN_BASE_DELAY_MS=10", "TRYAGAIN_MAX_ATTEMPTS=20"),
            &result);
    if(result.exit_status != 0 || count_occurrences(result.err, result.err_len, words) != 1)
        show_run(&result);
    assert_int_equal(result.exit_status, 0);
    assert_int_equal(count_occurrences(result.err, result.err_len, "coordination state"), 1);
    assert_int_equal(count_occurrences(result.err, result.err_len, words), 1);
    run_result_free(&result);
}

static void a_corrupt_or_foreign_state_file_is_ignored_with_one_warning(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "5", "0", "");
    write_state_file(&limiter, "this is not a state file", 0600);
    control(&limiter, "/x"); /* the bucket is full: the next request is a 429 */
    check_ignored_with_one_warning(&limiter, "damaged");
    write_state_file(&limiter, "", 0644);
    control(&limiter, "/x");
    check_ignored_with_one_warning(&limiter, "not a private file");
    unlink(state_file(&limiter));
    assert_int_equal(symlink("/etc/passwd", state_file(&limiter)), 0);
    control(&limiter, "/x");
    check_ignored_with_one_warning(&limiter, "not a private file");
    limiter_stop(&limiter);
}

static void nothing_is_made_before_a_throttle_or_when_off(void **state)
{
    (void)state;
    struct limiter limiter;
    limiter_start(&limiter, "1000", "1000", "");
    struct run_result result;
    run_one(&limiter, ENV(limiter.xdg), &result);
    assert_int_equal(result.exit_status, 0);
    run_result_free(&result);
    assert_int_equal(access(state_file(&limiter), F_OK), -1);
    limiter_stop(&limiter);

    limiter_start(&limiter, "5", "0", "");
    control(&limiter, "/x");
    run_one(&limiter,
            ENV(limiter.xdg, "TRYAGAIN_COORDINATE=off", "TRYAGAIN_BASE_DELAY_MS=50",
                "TRYAGAIN_MAX_ATTEMPTS=20"),
            &result);
    assert_int_equal(result.exit_status, 0);
    run_result_free(&result);
    assert_int_equal(access(state_file(&limiter), F_OK), -1);
    limiter_stop(&limiter);
}

static int stop_limiter(void **state)
{
    (void)state;
    if(running)
        limiter_stop(running);
    if(fallback.pid > 0)
        server_stop(&fallback);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(processes_share_what_the_host_taught_them, stop_limiter),
        cmocka_unit_test_teardown(a_killed_process_blocks_nobody, stop_limiter),
        cmocka_unit_test_teardown(the_breaker_opens_for_everyone_and_a_success_closes_it,
                                  stop_limiter),
        cmocka_unit_test_teardown(with_the_breaker_open_a_call_goes_straight_to_its_fallback,
                                  stop_limiter),
        cmocka_unit_test_teardown(a_retry_the_open_breaker_would_withhold_goes_to_the_fallback,
                                  stop_limiter),
        cmocka_unit_test_teardown(a_corrupt_or_foreign_state_file_is_ignored_with_one_warning,
                                  stop_limiter),
        cmocka_unit_test_teardown(nothing_is_made_before_a_throttle_or_when_off, stop_limiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
