/* Debian's git over smart HTTP under the library: git-remote-http drives libcurl's multi
   interface (curl_multi_perform, fdset, select). The server (git_server.py: git http-backend
   behind a front) turns away the first request of each method and path with a 429 and
   Retry-After: 1, or a 503. What a user observes: the clone, fetch, pull and push succeed, the
   repository is intact, every turned-away request was made again, the waits were honoured. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char dir[256];
static pid_t server_pid;
static int port;
static struct run_result run;

/* Runs a shell command in the test's folder, without the library; fails the test on error. */
static void shell(const char *command)
{
    char script[4096];
    snprintf(script, sizeof(script), "set -e; cd '%s'; %s", dir, command);
    struct run_result setup;
    run_program(&setup, ARGV("/bin/sh", "-c", script), NULL, NULL, 0, false);
    if(setup.exit_status != 0)
        fprintf(stderr, "command failed: %s\n%s%s", command, setup.out, setup.err);
    assert_int_equal(setup.exit_status, 0);
    run_result_free(&setup);
}

/* A bare repository with three commits of files large enough to need a real pack. */
static void make_repository(void)
{
    char template[] = "/tmp/tryagain-git-XXXXXX";
    assert_non_null(mkdtemp(template));
    snprintf(dir, sizeof(dir), "%s", template);
    shell("git init -q --bare repo.git && git -C repo.git symbolic-ref HEAD refs/heads/main && "
          "git init -q -b main work && cd work && "
          "for i in 1 2 3; do head -c 30000 /dev/urandom | base64 > f$i.txt; git add f$i.txt; "
          "git -c user.email=t@example.com -c user.name=t commit -q -m c$i; done && "
          "git push -q ../repo.git main");
}

static void start_server(const char *mode)
{
    char log_path[300];
    snprintf(log_path, sizeof(log_path), "%s/requests.log", dir);
    int port_pipe[2];
    assert_int_equal(pipe(port_pipe), 0);
    server_pid = fork();
    assert_true(server_pid >= 0);
    if(server_pid == 0) {
        dup2(port_pipe[1], STDOUT_FILENO);
        close(port_pipe[0]);
        close(port_pipe[1]);
        unsetenv("LD_PRELOAD");
        execlp("python3", "python3", source_path("tests/integration/git_server.py", 0), dir,
               log_path, mode, (char *)NULL);
        _exit(127);
    }
    close(port_pipe[1]);
    char line[32] = {0};
    size_t used = 0;
    while(used < sizeof(line) - 1 && read(port_pipe[0], line + used, 1) == 1 && line[used] != '\n')
        used++;
    close(port_pipe[0]);
    port = atoi(line);
    assert_true(port > 0);
}

static int stop_everything(void **state)
{
    (void)state;
    if(server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    run_result_free(&run);
    return 0;
}

static const char *repo_url(void)
{
    static char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/repo.git", port);
    return url;
}

/* git run in the test's folder with the library; its exit status is in run. */
static void git(const char *args, const char *const *env)
{
    char script[2048];
    snprintf(script, sizeof(script), "cd '%s' && exec git %s", dir, args);
    run_result_free(&run);
    run_program(&run, ARGV("/bin/sh", "-c", script), env, NULL, 0, true);
    if(run.exit_status != 0)
        fprintf(stderr, "git %s failed:\n%s", args, run.err);
}

static int requests_with_status(const char *method, const char *path, int status)
{
    char log_path[300];
    snprintf(log_path, sizeof(log_path), "%s/requests.log", dir);
    FILE *log = fopen(log_path, "r");
    if(!log)
        return 0;
    char pattern[256];
    snprintf(pattern, sizeof(pattern),
             "{\"method\": \"%s\", \"path\": \"/repo.git%s\", \"status\": %d}", method, path,
             status);
    char line[512];
    int count = 0;
    while(fgets(line, sizeof(line), log)) {
        if(!strncmp(line, pattern, strlen(pattern)))
            count++;
    }
    fclose(log);
    return count;
}

static const char *const logged_env[] = {"TRYAGAIN_LOG=1", "TRYAGAIN_BASE_DELAY_MS=100", NULL};

static void assert_clone_intact(const char *clone)
{
    char command[512];
    snprintf(command, sizeof(command),
             "git -C %s fsck --strict --no-progress && for i in 1 2 3; do cmp work/f$i.txt "
             "%s/f$i.txt; done && "
             "test \"$(git -C %s rev-parse HEAD)\" = \"$(git -C work rev-parse HEAD)\"",
             clone, clone, clone);
    shell(command);
}

static void test_clone_through_429_with_retry_after(void **state)
{
    (void)state;
    make_repository();
    start_server("429");
    char args[512];
    snprintf(args, sizeof(args), "clone -q %s copy", repo_url());
    git(args, logged_env);
    assert_int_equal(run.exit_status, 0);
    assert_clone_intact("copy");
    assert_int_equal(requests_with_status("GET", "/info/refs", 429), 1);
    assert_int_equal(requests_with_status("GET", "/info/refs", 200), 1);
    assert_int_equal(requests_with_status("POST", "/git-upload-pack", 429), 1);
    assert_true(requests_with_status("POST", "/git-upload-pack", 200) >= 1);
    assert_true(run.elapsed_ms >= 2000); /* two Retry-After: 1, one after the other */
    assert_true(count_occurrences(run.err, run.err_len, "(Retry-After)") >= 2);
}

static void test_clone_through_503_with_protocol_v0(void **state)
{
    (void)state;
    make_repository();
    start_server("503");
    char args[512];
    snprintf(args, sizeof(args), "-c protocol.version=0 clone -q %s copy", repo_url());
    git(args, logged_env);
    assert_int_equal(run.exit_status, 0);
    assert_clone_intact("copy");
    assert_int_equal(requests_with_status("GET", "/info/refs", 503), 1);
    assert_int_equal(requests_with_status("POST", "/git-upload-pack", 503), 1);
}

static void test_fetch_pull_and_push(void **state)
{
    (void)state;
    make_repository();
    char mode_file[300];
    snprintf(mode_file, sizeof(mode_file), "%s/mode", dir);
    shell("echo pass > mode");
    start_server(mode_file);
    char args[512];
    snprintf(args, sizeof(args), "clone -q %s copy", repo_url());
    git(args, logged_env);
    assert_int_equal(run.exit_status, 0);
    shell("echo 429 > mode"); /* from here on, every first request is turned away */

    shell("cd work && echo more > f4.txt && git add f4.txt && "
          "git -c user.email=t@example.com -c user.name=t commit -q -m c4 && "
          "git push -q ../repo.git main");
    git("-C copy fetch -q origin", logged_env);
    assert_int_equal(run.exit_status, 0);
    git("-C copy -c protocol.version=0 pull -q --ff-only origin main", logged_env);
    assert_int_equal(run.exit_status, 0);
    shell("cmp work/f4.txt copy/f4.txt");

    shell("cd copy && echo pushed > f5.txt && git add f5.txt && "
          "git -c user.email=t@example.com -c user.name=t commit -q -m c5");
    git("-C copy push -q origin main", logged_env);
    assert_int_equal(run.exit_status, 0);
    shell("test \"$(git -C repo.git rev-parse main)\" = \"$(git -C copy rev-parse HEAD)\"");
    assert_int_equal(requests_with_status("POST", "/git-receive-pack", 429), 1);
    assert_int_equal(requests_with_status("POST", "/git-receive-pack", 200), 1);
}

/* The same clone without the library fails at the first 429: the server really turns it away. */
static void test_without_the_library_the_clone_fails(void **state)
{
    (void)state;
    make_repository();
    start_server("429");
    char script[1024];
    snprintf(script, sizeof(script), "cd '%s' && exec git clone -q %s copy", dir, repo_url());
    run_program(&run, ARGV("/bin/sh", "-c", script), NULL, NULL, 0, false);
    assert_int_not_equal(run.exit_status, 0);
    assert_non_null(strstr(run.err, "429"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clone_through_429_with_retry_after, stop_everything),
        cmocka_unit_test_teardown(test_clone_through_503_with_protocol_v0, stop_everything),
        cmocka_unit_test_teardown(test_fetch_pull_and_push, stop_everything),
        cmocka_unit_test_teardown(test_without_the_library_the_clone_fails, stop_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
