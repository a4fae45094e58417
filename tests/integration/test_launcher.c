/* The tryagain command as a user meets it: flags checked before anything runs, the command
   exec'd untouched (status, signals, stdin), LD_PRELOAD composed, logs and stats readable,
   doctor's verdicts, and an installed copy finding its library. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define CURL "/usr/bin/curl"

static struct server server;
static struct run_result run;
static char temp_dir[64]; /* "/tmp/tryagain-launcher-XXXXXX" */

static char start_dir[PATH_MAX]; /* a test may chdir; the next one starts here again */

static int make_temp_dir(void **state)
{
    (void)state;
    if(!start_dir[0])
        assert_non_null(getcwd(start_dir, sizeof(start_dir)));
    char template[] = "/tmp/tryagain-launcher-XXXXXX";
    assert_non_null(mkdtemp(template));
    snprintf(temp_dir, sizeof(temp_dir), "%s", template);
    return 0;
}

static int clean_up(void **state)
{
    (void)state;
    if(chdir(start_dir) != 0)
        fprintf(stderr, "could not go back to %s\n", start_dir);
    if(server.pid)
        server_stop(&server);
    run_result_free(&run);
    char command[PATH_MAX + 16];
    snprintf(command, sizeof(command), "rm -rf '%s'", temp_dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", temp_dir);
    return 0;
}

static const char *temp_path(const char *name, int slot)
{
    static char paths[4][256];
    snprintf(paths[slot % 4], sizeof(paths[0]), "%s/%s", temp_dir, name);
    return paths[slot % 4];
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static const char *tryagain_path(void)
{
    return build_path("tryagain", 7);
}

/* Runs argv with no preload of the harness's own: tryagain is what sets LD_PRELOAD. A
   sanitizer build needs its runtime ahead of every instrumented library; tryagain puts its
   library first, so the runtime's order check is relaxed instead. */
static void run_with_env(const char *const *argv, const char *const *extra_env,
                         const char *stdin_data)
{
    const char *env[16];
    int count = 0;
    static char preload_first[PATH_MAX + 16];
    const char *first = getenv("TRYAGAIN_TEST_PRELOAD_FIRST");
    if(first) {
        snprintf(preload_first, sizeof(preload_first), "LD_PRELOAD=%s", first);
        env[count++] = preload_first; /* ASAN_OPTIONS come from scripts/sanitize.sh */
    }
    for(const char *const *e = extra_env; e && *e && count < 15; e++)
        env[count++] = *e;
    env[count] = NULL;
    run_result_free(&run);
    run_program(&run, argv, env, stdin_data, stdin_data ? strlen(stdin_data) : 0, false);
}

/* The sanitizer run puts its runtimes into LD_PRELOAD too, so the exact LD_PRELOAD an installed
   command sets cannot be compared there; the unsanitized run checks it. */
static void skip_when_sanitized(void)
{
    if(getenv("TRYAGAIN_TEST_PRELOAD_FIRST"))
        skip();
}

static int count_lines(const char *text, size_t length)
{
    return count_occurrences(text, length, "\n");
}

/* ---- flags checked before anything runs ---- */

/* The command would leave a file behind if it ran. */
static void expect_rejected(const char *flag, const char *value)
{
    const char *marker = temp_path("ran", 0);
    char script[300];
    snprintf(script, sizeof(script), "touch '%.250s'", marker);
    const char *argv[] = {tryagain_path(), flag, value, "/bin/sh", "-c", script, NULL};
    if(!value) {
        argv[2] = "/bin/sh";
        argv[3] = "-c";
        argv[4] = script;
        argv[5] = NULL;
    }
    run_with_env(argv, NULL, NULL);
    char flag_name[64]; /* "--attempts" of "--attempts=" */
    snprintf(flag_name, sizeof(flag_name), "%.*s", (int)strcspn(flag, "="), flag);
    if(run.exit_status != 2 || count_lines(run.err, run.err_len) != 1 ||
       !strstr(run.err, flag_name) || file_exists(marker) || run.out_len) {
        fprintf(stderr, "flag %s value %s\n", flag, value ? value : "(none)");
        show_run(&run);
        fail();
    }
}

static void test_bad_values_stop_before_the_command_runs(void **state)
{
    (void)state;
    expect_rejected("--attempts", "0");
    expect_rejected("--attempts", "many");
    expect_rejected("--base-delay", "abc");
    expect_rejected("--max-delay", "-5s");
    expect_rejected("--max-retry-after", "2d");
    expect_rejected("--deadline", "25h");
    expect_rejected("--jitter", "random");
    expect_rejected("--status", "200");
    expect_rejected("--hosts", "bad host");
    expect_rejected("--connect", "udp");
    expect_rejected("--wait-for", "nowhere:99999");
    expect_rejected("--log-file", "/nonexistent-dir/x.log");
    expect_rejected("--attempts=", NULL);
    expect_rejected("--unsafe=yes", NULL);
    expect_rejected("--no-such-flag", NULL);
}

static void test_the_error_line_says_what_is_accepted(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "--base-delay", "abc", "/bin/true"), NULL, NULL);
    assert_int_equal(run.exit_status, 2);
    assert_string_equal(run.err,
                        "tryagain: --base-delay: \"abc\" is not a duration (e.g. 250ms, 2s, 1m)\n");
}

static void test_missing_command_is_a_usage_error(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "--stats"), NULL, NULL);
    assert_int_equal(run.exit_status, 2);
    assert_non_null(strstr(run.err, "usage: tryagain"));
    run_with_env(ARGV(tryagain_path()), NULL, NULL);
    assert_int_equal(run.exit_status, 2);
}

static void test_help_and_version(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "--help"), NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    const char *flags[] = {"--attempts",        "--base-delay", "--max-delay", "--jitter",
                           "--max-retry-after", "--deadline",   "--status",    "--unsafe",
                           "--hosts",           "--connect",    "--wait-for",  "--verbose",
                           "--log-file",        "--json",       "--stats",     "--version"};
    for(size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        assert_non_null(strstr(run.out, flags[i]));
    run_with_env(ARGV(tryagain_path(), "--version"), NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    assert_int_equal(strncmp(run.out, "tryagain ", 9), 0);
}

/* ---- exec semantics ---- */

static void test_exit_status_is_the_commands(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "/bin/sh", "-c", "echo out; echo err >&2; exit 42"), NULL,
                 NULL);
    assert_int_equal(run.exit_status, 42);
    assert_string_equal(run.out, "out\n");
    assert_string_equal(run.err, "err\n");
}

static void test_a_signal_kill_shows_as_the_commands_own(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "/bin/sh", "-c", "kill -TERM $$"), NULL, NULL);
    assert_int_equal(run.exit_status, -1);
    assert_int_equal(run.term_signal, SIGTERM);
}

static void test_stdin_passes_through(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "-v", "cat"), NULL, "line one\nline two\n");
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "line one\nline two\n");
}

static void test_exec_failures_give_the_shells_statuses(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "no-such-command-tryagain"), NULL, NULL);
    assert_int_equal(run.exit_status, 127);
    assert_non_null(strstr(run.err, "command not found"));
    run_with_env(ARGV(tryagain_path(), "/nonexistent/program"), NULL, NULL);
    assert_int_equal(run.exit_status, 127);
    const char *not_executable = temp_path("plain.txt", 0);
    FILE *file = fopen(not_executable, "w");
    fputs("hello\n", file);
    fclose(file);
    run_with_env(ARGV(tryagain_path(), not_executable), NULL, NULL);
    assert_int_equal(run.exit_status, 126);
}

static void test_arguments_after_the_command_are_its_own(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "--", "/bin/echo", "--attempts", "-v", "--"), NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "--attempts -v --\n");
}

/* ---- the environment the command gets ---- */

/* The line "NAME=..." of env's output, without the newline. */
static const char *env_line(const char *name, char *out, size_t size)
{
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "\n%s=", name);
    char *text = malloc(run.out_len + 2);
    text[0] = '\n';
    memcpy(text + 1, run.out, run.out_len + 1);
    const char *at = strstr(text, prefix);
    if(!at) {
        free(text);
        return NULL;
    }
    at += strlen(prefix);
    snprintf(out, size, "%.*s", (int)strcspn(at, "\n"), at);
    free(text);
    return out;
}

static void expect_env(const char *name, const char *expected)
{
    char value[PATH_MAX * 2];
    if(!env_line(name, value, sizeof(value)) || strcmp(value, expected)) {
        fprintf(stderr, "%s: expected [%s]\n", name, expected);
        show_run(&run);
        fail();
    }
}

static void test_flags_become_variables(void **state)
{
    (void)state;
    run_with_env(ARGV(tryagain_path(), "--attempts", "3", "--base-delay=250ms", "--max-delay", "1m",
                      "--jitter", "none", "--max-retry-after", "2", "--deadline", "1.5s",
                      "--status", "429,5xx", "--unsafe", "--hosts", "*.example.org", "--connect",
                      "tcp,unix", "--wait-for", ":6379", "-vv", "--json", "--stats", "env"),
                 NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    expect_env("TRYAGAIN_MAX_ATTEMPTS", "3");
    expect_env("TRYAGAIN_BASE_DELAY_MS", "250");
    expect_env("TRYAGAIN_MAX_DELAY_MS", "60000");
    expect_env("TRYAGAIN_JITTER", "none");
    expect_env("TRYAGAIN_MAX_RETRY_AFTER_MS", "2000");
    expect_env("TRYAGAIN_DEADLINE_MS", "1500");
    expect_env("TRYAGAIN_RETRY_STATUS", "429,5xx");
    expect_env("TRYAGAIN_RETRY_UNSAFE", "1");
    expect_env("TRYAGAIN_HOSTS", "*.example.org");
    expect_env("TRYAGAIN_CONNECT", "tcp,unix");
    expect_env("TRYAGAIN_CONNECT_TO", ":6379");
    expect_env("TRYAGAIN_LOG", "2");
    expect_env("TRYAGAIN_LOG_FORMAT", "json");
    expect_env("TRYAGAIN_STATS", "1");
}

static const char *library_real_path(char *out)
{
    assert_non_null(realpath(build_path("libtryagain.so", 6), out));
    return out;
}

/* Any shared library already mapped into this process is harmless to preload: libc will do. */
static bool find_mapped_libc(char *out, size_t size)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[PATH_MAX + 128];
    bool found = false;
    while(maps && !found && fgets(line, sizeof(line), maps)) {
        const char *path = strchr(line, '/');
        if(path && strstr(path, "/libc.so.6")) {
            snprintf(out, size, "%.*s", (int)strcspn(path, "\n"), path);
            found = true;
        }
    }
    if(maps)
        fclose(maps);
    return found;
}

static void test_existing_preload_is_kept_after_the_library(void **state)
{
    (void)state;
    char libc_path[PATH_MAX], library[PATH_MAX], old_env[PATH_MAX + 16], expected[PATH_MAX * 2];
    assert_true(find_mapped_libc(libc_path, sizeof(libc_path)));
    snprintf(old_env, sizeof(old_env), "LD_PRELOAD=%s", libc_path);
    run_with_env(ARGV(tryagain_path(), "env"), ENV(old_env), NULL);
    assert_int_equal(run.exit_status, 0);
    snprintf(expected, sizeof(expected), "%s:%s", library_real_path(library), libc_path);
    expect_env("LD_PRELOAD", expected);
    assert_int_equal(run.err_len, 0); /* ld.so loaded both without complaint */

    /* And the library still does its job with the other one loaded. */
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_with_env(
        ARGV(tryagain_path(), "--base-delay", "50ms", CURL, "-s", server_url(&server, "/a", 0)),
        ENV(old_env), NULL);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

/* ---- what users see: JSON log lines and the stats line ---- */

/* The value after "key": in a compact JSON object line; numbers and strings. */
static bool json_value(const char *line, size_t line_len, const char *key, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\"%s\":", key);
    const char *at = memmem(line, line_len, pattern, strlen(pattern));
    if(!at)
        return false;
    at += strlen(pattern);
    bool quoted = *at == '"';
    at += quoted;
    size_t length = quoted ? strcspn(at, "\"") : strcspn(at, ",}");
    snprintf(out, size, "%.*s", (int)length, at);
    return true;
}

static long json_number(const char *line, size_t line_len, const char *key)
{
    char value[64];
    if(!json_value(line, line_len, key, value, sizeof(value)))
        return -1;
    return atol(value);
}

/* An object on one line: braces at both ends, quotes balanced outside escapes. */
static bool looks_like_json_object(const char *line, size_t length)
{
    if(length < 2 || line[0] != '{' || line[length - 1] != '}')
        return false;
    bool in_string = false;
    for(size_t i = 0; i < length; i++) {
        if(in_string && line[i] == '\\')
            i++;
        else if(line[i] == '"')
            in_string = !in_string;
    }
    return !in_string;
}

struct json_lines {
    const char *retry;
    size_t retry_len;
    const char *stats;
    size_t stats_len;
    int count;
};

static void read_json_lines(const char *text, size_t length, struct json_lines *lines)
{
    memset(lines, 0, sizeof(*lines));
    for(const char *line = text; line < text + length;) {
        const char *end = memchr(line, '\n', (size_t)(text + length - line));
        size_t line_len = end ? (size_t)(end - line) : (size_t)(text + length - line);
        assert_true(looks_like_json_object(line, line_len));
        char event[32];
        assert_true(json_value(line, line_len, "event", event, sizeof(event)));
        if(!strcmp(event, "retry") && !lines->retry) {
            lines->retry = line;
            lines->retry_len = line_len;
        }
        else if(!strcmp(event, "stats")) {
            lines->stats = line;
            lines->stats_len = line_len;
        }
        lines->count++;
        line += line_len + 1;
    }
}

static void test_json_log_and_stats_are_parseable(void **state)
{
    (void)state;
    server_start(&server, "/a: 503 | 200 body=ok\n");
    run_with_env(ARGV(tryagain_path(), "-v", "--json", "--stats", "--base-delay", "50ms",
                      "--jitter", "none", CURL, "-s", server_url(&server, "/a", 0)),
                 NULL, NULL);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "ok");
    struct json_lines lines;
    read_json_lines(run.err, run.err_len, &lines);
    assert_non_null(lines.retry);
    assert_int_equal(json_number(lines.retry, lines.retry_len, "status"), 503);
    assert_int_equal(json_number(lines.retry, lines.retry_len, "attempt"), 1);
    assert_int_equal(json_number(lines.retry, lines.retry_len, "wait_ms"), 50);
    char method[16];
    assert_true(json_value(lines.retry, lines.retry_len, "method", method, sizeof(method)));
    assert_string_equal(method, "GET");
    assert_non_null(lines.stats);
    assert_int_equal(json_number(lines.stats, lines.stats_len, "transfers"), 1);
    assert_int_equal(json_number(lines.stats, lines.stats_len, "attempts"), 2);
    assert_int_equal(json_number(lines.stats, lines.stats_len, "retries"), 1);
    assert_int_equal(json_number(lines.stats, lines.stats_len, "recovered"), 1);
    assert_int_equal(json_number(lines.stats, lines.stats_len, "given_up"), 0);
    /* Measured, so a busy machine may add a little; never less than the planned wait. */
    long waited_ms = json_number(lines.stats, lines.stats_len, "waited_ms");
    assert_true(waited_ms >= 50 && waited_ms < 1000);
}

static void test_text_stats_line(void **state)
{
    (void)state;
    server_start(&server, "/a: 500 | 500 | 200 body=ok\n");
    run_with_env(ARGV(tryagain_path(), "--stats", "--base-delay", "20ms", CURL, "-s",
                      server_url(&server, "/a", 0)),
                 NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "ok");
    /* --stats alone: no retry lines, one summary. */
    assert_int_equal(count_lines(run.err, run.err_len), 1);
    assert_non_null(strstr(run.err, "stats: 1 transfers, 0 connects, 3 attempts, 2 retries, "
                                    "1 recovered, 0 given up"));
}

static void test_relative_log_file_survives_a_chdir(void **state)
{
    (void)state;
    assert_int_equal(chdir(temp_dir), 0);
    server_start(&server, "/a: 503 | 200 body=ok\n");
    char script[1024];
    snprintf(script, sizeof(script), "cd / && exec %s -s %s", CURL, server_url(&server, "/a", 0));
    run_with_env(ARGV(tryagain_path(), "-v", "--stats", "--log-file", "retries.log", "--base-delay",
                      "20ms", "/bin/sh", "-c", script),
                 NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "ok");
    assert_int_equal(run.err_len, 0);
    FILE *log = fopen(temp_path("retries.log", 0), "r");
    assert_non_null(log);
    char text[4096] = {0};
    size_t length = fread(text, 1, sizeof(text) - 1, log);
    fclose(log);
    assert_int_equal(count_occurrences(text, length, "HTTP 503"), 1);
    assert_int_equal(count_occurrences(text, length, "stats: 1 transfers"), 1);
}

/* ---- doctor ---- */

static void doctor(const char *program)
{
    run_with_env(ARGV(tryagain_path(), "doctor", program), NULL, NULL);
}

static void expect_in_output(const char *text)
{
    if(!strstr(run.out, text)) {
        fprintf(stderr, "expected [%s] in the report\n", text);
        show_run(&run);
        fail();
    }
}

static void test_doctor_on_curl(void **state)
{
    (void)state;
    doctor(CURL);
    assert_int_equal(run.exit_status, 0);
    expect_in_output("dynamically linked");
    expect_in_output("libcurl.so.4 (the OpenSSL flavour");
    expect_in_output("calls curl_easy_perform");
    expect_in_output("verdict: tryagain can help");
    doctor("curl"); /* found through PATH, like the shell would */
    assert_int_equal(run.exit_status, 0);
}

static void test_doctor_on_ls(void **state)
{
    (void)state;
    doctor("/bin/ls");
    assert_int_equal(run.exit_status, 1);
    expect_in_output("dynamically linked");
    expect_in_output("does not link libcurl");
    expect_in_output("verdict: tryagain cannot help");
}

/* Clients that connect non-blocking are waited for only when their servers are named: the
   doctor says how, for libpq's psql, hiredis in redis-cli and CPython. */
static void test_doctor_names_non_blocking_clients(void **state)
{
    (void)state;
    static const char *const clients[][2] = {
        {"/usr/lib/postgresql/15/bin/psql", "connects through libpq (PostgreSQL)"},
        {"/usr/bin/redis-cli", "connects through hiredis (Redis)"},
        {"/usr/bin/python3", "connects through CPython"},
    };
    for(size_t i = 0; i < 3; i++) {
        if(access(clients[i][0], X_OK) != 0)
            continue;
        doctor(clients[i][0]);
        assert_int_equal(run.exit_status, 0);
        expect_in_output(clients[i][1]);
        expect_in_output("only servers you name are waited for, e.g. --wait-for ");
        run_result_free(&run);
    }
}

static void test_doctor_on_a_static_binary(void **state)
{
    (void)state;
    const char *program = build_path("tests/tools/static_hello", 5);
    if(!file_exists(program))
        program = "/sbin/ldconfig"; /* static (or static-pie) wherever glibc is */
    doctor(program);
    assert_int_equal(run.exit_status, 1);
    expect_in_output("statically linked");
    expect_in_output("LD_PRELOAD has no effect");
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char command[PATH_MAX * 2 + 16];
    snprintf(command, sizeof(command), "cp '%s' '%s'", from, to);
    assert_int_equal(system(command), 0);
    assert_int_equal(chmod(to, mode), 0);
}

static void test_doctor_on_a_setuid_copy(void **state)
{
    (void)state;
    const char *copy = temp_path("true-setuid", 0);
    copy_file("/bin/true", copy, 04755);
    doctor(copy);
    assert_int_equal(run.exit_status, 1);
    expect_in_output("setuid");
    expect_in_output("ignores LD_PRELOAD");
    /* Even a program tryagain could help is out of reach once setuid. */
    const char *curl_copy = temp_path("curl-setgid", 1);
    copy_file(CURL, curl_copy, 02755);
    doctor(curl_copy);
    assert_int_equal(run.exit_status, 1);
    expect_in_output("setgid");
}

static void test_doctor_on_a_script_looks_at_its_interpreter(void **state)
{
    (void)state;
    const char *script = temp_path("fetch.sh", 0);
    FILE *file = fopen(script, "w");
    fputs("#!/bin/sh\ncurl -s http://example.com/\n", file);
    fclose(file);
    chmod(script, 0755);
    doctor(script);
    expect_in_output("a script run by /bin/sh");
    expect_in_output("inherit LD_PRELOAD");
    const char *env_script = temp_path("fetch-env.sh", 1);
    file = fopen(env_script, "w");
    fputs("#!/usr/bin/env curl\n", file);
    fclose(file);
    doctor(env_script);
    assert_int_equal(run.exit_status, 0);
    expect_in_output("a script run by /usr/bin/env curl");
    expect_in_output("calls curl_easy_perform");
}

static bool installed(const char *program)
{
    if(file_exists(program))
        return true;
    fprintf(stderr, "skipped: %s is not installed\n", program);
    return false;
}

/* git's HTTP(S) runs in its remote helpers, which drive libcurl-gnutls with the multi
   interface: the doctor says so instead of "does not link libcurl". */
static void test_doctor_on_git_follows_its_remote_helpers(void **state)
{
    (void)state;
    if(!installed("/usr/bin/git"))
        return;
    doctor("git");
    assert_int_equal(run.exit_status, 0);
    expect_in_output("its HTTP(S) runs in ");
    expect_in_output("/git-remote-https, which links libcurl");
    expect_in_output("uses libcurl's multi interface: those transfers are retried");
    expect_in_output("verdict: tryagain can help: tryagain [options] git ... (retried: libcurl "
                     "transfers, connect() calls)");
}

static void test_doctor_on_php_finds_its_curl_extension(void **state)
{
    (void)state;
    if(!installed("/usr/bin/php"))
        return;
    doctor("php");
    assert_int_equal(run.exit_status, 0);
    expect_in_output("PHP's curl extension /usr/lib/php/");
    expect_in_output("/curl.so (enabled in /etc/php/");
    expect_in_output("which links libcurl.so.4 and calls curl_easy_perform and libcurl's multi "
                     "interface: those transfers are retried");
    expect_in_output("(retried: libcurl transfers, connect() calls)");
}

static void test_doctor_on_cmake(void **state)
{
    (void)state;
    if(!installed("/usr/bin/cmake"))
        return;
    doctor("cmake");
    assert_int_equal(run.exit_status, 0);
    expect_in_output("links libcurl.so.4");
    expect_in_output("calls curl_easy_perform: failed transfers are retried");
    expect_in_output("(retried: libcurl transfers");
}

static void test_doctor_on_a_go_program(void **state)
{
    (void)state;
    const char *program = build_path("tests/reach/go_hello", 5);
    if(!file_exists(program)) {
        fprintf(stderr, "skipped: no Go toolchain to build a Go program (apt-get install "
                        "golang-go)\n");
        return;
    }
    doctor(program);
    assert_int_equal(run.exit_status, 1);
    expect_in_output("a Go program: Go makes its own system calls");
    expect_in_output("verdict: tryagain cannot help");
}

static void test_doctor_usage_errors(void **state)
{
    (void)state;
    doctor("no-such-program-tryagain");
    assert_int_equal(run.exit_status, 2);
    assert_non_null(strstr(run.err, "not found"));
    run_with_env(ARGV(tryagain_path(), "doctor"), NULL, NULL);
    assert_int_equal(run.exit_status, 2);
}

/* ---- installation ---- */

static void make_target(const char *target, const char *destdir_arg)
{
    char build_arg[PATH_MAX + 8];
    snprintf(build_arg, sizeof(build_arg), "BUILD=%s", build_path("", 4));
    run_with_env(ARGV("/usr/bin/env", "make", "-s", "-C", source_path("", 3), target, destdir_arg,
                      "PREFIX=/usr", build_arg),
                 NULL, NULL);
    if(run.exit_status != 0)
        show_run(&run);
    assert_int_equal(run.exit_status, 0);
}

static void test_install_into_destdir_and_run_it(void **state)
{
    (void)state;
    skip_when_sanitized();
    char destdir_arg[PATH_MAX + 16];
    snprintf(destdir_arg, sizeof(destdir_arg), "DESTDIR=%s/root", temp_dir);
    make_target("install", destdir_arg);
    const char *installed = temp_path("root/usr/bin/tryagain", 0);
    const char *library = temp_path("root/usr/lib/tryagain/libtryagain.so", 1);
    assert_true(file_exists(installed));
    assert_true(file_exists(library));
    assert_true(file_exists(temp_path("root/usr/share/man/man1/tryagain.1", 2)));

    run_with_env(ARGV(installed, "env"), NULL, NULL);
    char library_real[PATH_MAX];
    assert_non_null(realpath(library, library_real));
    expect_env("LD_PRELOAD", library_real);

    server_start(&server, "/a: 503 | 503 | 200 body=installed\n");
    run_with_env(
        ARGV(installed, "-v", "--base-delay", "20ms", CURL, "-s", server_url(&server, "/a", 0)),
        NULL, NULL);
    assert_int_equal(run.exit_status, 0);
    assert_string_equal(run.out, "installed");
    assert_int_equal(server_requests(&server, "/a"), 3);
    assert_int_equal(count_occurrences(run.err, run.err_len, "HTTP 503"), 2);

    make_target("uninstall", destdir_arg);
    assert_false(file_exists(installed));
    assert_false(file_exists(library));
    assert_false(file_exists(temp_path("root/usr/share/man/man1/tryagain.1", 2)));
}

static void test_a_command_without_its_library_says_so(void **state)
{
    (void)state;
    const char *lonely = temp_path("tryagain", 0);
    copy_file(tryagain_path(), lonely, 0755);
    const char *marker = temp_path("ran", 1);
    char script[300];
    snprintf(script, sizeof(script), "touch '%.250s'", marker);
    run_with_env(ARGV(lonely, "/bin/sh", "-c", script), NULL, NULL);
    assert_int_equal(run.exit_status, 125);
    assert_non_null(strstr(run.err, "libtryagain.so"));
    assert_false(file_exists(marker));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, make_temp_dir, clean_up)
    const struct CMUnitTest tests[] = {
        T(test_bad_values_stop_before_the_command_runs),
        T(test_the_error_line_says_what_is_accepted),
        T(test_missing_command_is_a_usage_error),
        T(test_help_and_version),
        T(test_exit_status_is_the_commands),
        T(test_a_signal_kill_shows_as_the_commands_own),
        T(test_stdin_passes_through),
        T(test_exec_failures_give_the_shells_statuses),
        T(test_arguments_after_the_command_are_its_own),
        T(test_flags_become_variables),
        T(test_existing_preload_is_kept_after_the_library),
        T(test_json_log_and_stats_are_parseable),
        T(test_text_stats_line),
        T(test_relative_log_file_survives_a_chdir),
        T(test_doctor_on_curl),
        T(test_doctor_on_ls),
        T(test_doctor_names_non_blocking_clients),
        T(test_doctor_on_a_static_binary),
        T(test_doctor_on_a_setuid_copy),
        T(test_doctor_on_a_script_looks_at_its_interpreter),
        T(test_doctor_on_git_follows_its_remote_helpers),
        T(test_doctor_on_php_finds_its_curl_extension),
        T(test_doctor_on_cmake),
        T(test_doctor_on_a_go_program),
        T(test_doctor_usage_errors),
        T(test_install_into_destdir_and_run_it),
        T(test_a_command_without_its_library_says_so),
    };
    return cmocka_run_group_tests_name("the tryagain command", tests, NULL, NULL);
}
