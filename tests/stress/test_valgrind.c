/* make valgrind: real programs under memcheck with the library preloaded, while retries really
   happen (429 then 200, a 5 MiB body after a 429, an upload re-sent, threads, connect()
   retries). Each run must report no memcheck error, and no leak whose stack holds a frame of
   the library. Leaks of the programs themselves (python3 keeps much at exit) are theirs. */
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define VALGRIND_ERROR_EXIT 99
/* Every run's first settings: the shortest waits (memcheck is slow enough), a line per retry. */
#define FAST_RETRIES "TRYAGAIN_BASE_DELAY_MS=1", "TRYAGAIN_LOG=1"
#define FIVE_MIB (5 * 1024 * 1024)

static struct server server;
static struct run_result run;
static char report_dir[64];
static char scratch_path[64];
static int closed_port_fd = -1;

static int set_up(void **state)
{
    (void)state;
    snprintf(report_dir, sizeof(report_dir), "/tmp/tryagain-valgrind-XXXXXX");
    assert_non_null(mkdtemp(report_dir));
    return 0;
}

static void remove_reports(void)
{
    DIR *dir = opendir(report_dir);
    if(!dir)
        return;
    struct dirent *entry;
    while((entry = readdir(dir))) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", report_dir, entry->d_name);
        if(entry->d_name[0] != '.')
            unlink(path);
    }
    closedir(dir);
    rmdir(report_dir);
}

static int tear_down(void **state)
{
    (void)state;
    server_stop(&server);
    run_result_free(&run);
    remove_reports();
    if(scratch_path[0])
        unlink(scratch_path);
    scratch_path[0] = '\0';
    if(closed_port_fd >= 0)
        close(closed_port_fd);
    closed_port_fd = -1;
    return 0;
}

/* valgrind's options, then the program's argv; NULL terminated in a static array. */
static const char *const *under_valgrind(const char *const *program)
{
    static char log_option[128];
    static const char *argv[40];
    snprintf(log_option, sizeof(log_option), "--log-file=%s/memcheck.%%p", report_dir);
    static const char *const options[] = {
        "/usr/bin/valgrind",
        "--tool=memcheck",
        "--error-exitcode=99",
        "--leak-check=full",
        "--show-leak-kinds=definite,indirect,possible",
        "--errors-for-leak-kinds=none",
        "--fullpath-after=",
        "--num-callers=40",
        "--child-silent-after-fork=yes",
    };
    size_t count = 0;
    for(size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        argv[count++] = options[i];
    argv[count++] = log_option;
    for(const char *const *p = program; *p && count < 39; p++)
        argv[count++] = *p;
    argv[count] = NULL;
    return argv;
}

static char *read_whole_file(const char *path)
{
    FILE *file = fopen(path, "r");
    if(!file)
        return NULL;
    struct text {
        char *data;
        size_t length;
    } text = {0};
    char buffer[8192];
    size_t got;
    while((got = fread(buffer, 1, sizeof(buffer), file)) > 0) {
        text.data = realloc(text.data, text.length + got + 1);
        assert_non_null(text.data);
        memcpy(text.data + text.length, buffer, got);
        text.length += got;
        text.data[text.length] = '\0';
    }
    fclose(file);
    return text.data;
}

/* A frame of the library: its file when there is no debug information, its sources when
   there is (valgrind shows full paths with --fullpath-after=). */
static bool names_the_library(const char *start, const char *end)
{
    static char sources[PATH_MAX + 2];
    if(!sources[0]) {
        char resolved[PATH_MAX];
        assert_non_null(realpath(source_path("src", 0), resolved));
        snprintf(sources, sizeof(sources), "%s/", resolved);
    }
    const char *markers[] = {"libtryagain.so", sources};
    for(size_t i = 0; i < 2; i++) {
        const char *found = memmem(start, (size_t)(end - start), markers[i], strlen(markers[i]));
        if(found)
            return true;
    }
    return false;
}

/* The line from line up to its newline announces a leak record. */
static bool is_leak_record(const char *line, const char *line_end)
{
    static const char *const kinds[] = {" are definitely lost", " are indirectly lost",
                                        " are possibly lost"};
    for(size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if(memmem(line, (size_t)(line_end - line), kinds[i], strlen(kinds[i])))
            return true;
    }
    return false;
}

/* Each leak record runs from its "... are definitely lost" line to the next empty "==PID== "
   line. Prints and counts the records that hold a library frame. */
static int library_leaks_in(const char *report)
{
    int found = 0;
    const char *line = report;
    while(*line) {
        const char *line_end = strchrnul(line, '\n');
        if(!is_leak_record(line, line_end)) {
            line = *line_end ? line_end + 1 : line_end;
            continue;
        }
        const char *record_end = strstr(line_end, "== \n");
        if(!record_end)
            record_end = line_end + strlen(line_end);
        if(names_the_library(line, record_end)) {
            fprintf(stderr, "leak with a library frame:\n%.*s\n", (int)(record_end - line), line);
            found++;
        }
        line = record_end; /* past line_end, so the loop always moves on */
    }
    return found;
}

static void assert_memcheck_clean(void)
{
    DIR *dir = opendir(report_dir);
    assert_non_null(dir);
    int reports = 0, leaks = 0;
    struct dirent *entry;
    while((entry = readdir(dir))) {
        if(strncmp(entry->d_name, "memcheck.", 9))
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", report_dir, entry->d_name);
        char *report = read_whole_file(path);
        assert_non_null(report);
        reports++;
        leaks += library_leaks_in(report);
        if(!strstr(report, "ERROR SUMMARY: 0 errors"))
            fprintf(stderr, "== %s\n%s\n", path, report);
        assert_non_null(strstr(report, "ERROR SUMMARY: 0 errors"));
        free(report);
    }
    closedir(dir);
    assert_true(reports > 0);
    assert_int_equal(leaks, 0);
}

static void run_checked(const char *const *program, const char *const *env, int exit_status)
{
    run_program(&run, under_valgrind(program), env, NULL, 0, true);
    if(run.exit_status != exit_status)
        show_run(&run);
    assert_int_equal(run.exit_status, exit_status);
    assert_memcheck_clean();
}

static const char *url(const char *path)
{
    return server_url(&server, path, 0);
}

static void curl_retries_a_429(void **state)
{
    (void)state;
    server_start(&server, "/a: 429 ra=0 | 200 body=ok\n");
    run_checked(ARGV("/usr/bin/curl", "-sS", url("/a")), ENV(FAST_RETRIES), 0);
    assert_run_output(&run, "ok");
    assert_int_equal(server_requests(&server, "/a"), 2);
}

static const char *scratch_file(void)
{
    snprintf(scratch_path, sizeof(scratch_path), "/tmp/tryagain-vg-XXXXXX");
    int fd = mkstemp(scratch_path);
    assert_true(fd >= 0);
    close(fd);
    return scratch_path;
}

static void assert_pattern_file(const char *path, size_t size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    size_t i = 0;
    int byte;
    int wrong = 0;
    while((byte = fgetc(file)) != EOF) {
        wrong += (unsigned char)byte != pattern_byte(i);
        i++;
    }
    fclose(file);
    assert_int_equal(i, size);
    assert_int_equal(wrong, 0);
}

static void curl_5mib_body_after_a_429(void **state)
{
    (void)state;
    server_start(&server, "/big: 429 ra=0 | 200 size=5242880\n");
    const char *output = scratch_file();
    run_checked(ARGV("/usr/bin/curl", "-sS", "-o", output, url("/big")), ENV(FAST_RETRIES), 0);
    assert_pattern_file(output, FIVE_MIB);
    assert_int_equal(server_requests(&server, "/big"), 2);
}

static void write_pattern_file(const char *path, size_t size)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for(size_t i = 0; i < size; i++)
        fputc(pattern_byte(i), file);
    fclose(file);
}

static void curl_upload_resent_after_a_503(void **state)
{
    (void)state;
    server_start(&server, "/put: 503 | 200 body=stored\n");
    const char *input = scratch_file();
    write_pattern_file(input, 300000);
    run_checked(ARGV("/usr/bin/curl", "-sS", "-T", input, url("/put")), ENV(FAST_RETRIES), 0);
    assert_run_output(&run, "stored");
    assert_same_body_every_attempt(&server, "/put", 2, 300000);
}

static void fetch_threads(const char *program)
{
    server_start(&server, "/t0: 429 ra=0 | 200 body=t0\n/t1: 503 | 200 body=t1\n"
                          "/t2: 429 ra=0 | 503 | 200 body=t2\n/t3: 200 body=t3\n");
    run_checked(ARGV(build_path(program, 1), "--threads", "4", url("/t{i}")), ENV(FAST_RETRIES), 0);
    assert_run_output(&run, "0 rc=0 status=200 body=t0\n1 rc=0 status=200 body=t1\n"
                            "2 rc=0 status=200 body=t2\n3 rc=0 status=200 body=t3\n");
    assert_int_equal(server_requests(&server, "/t0"), 2);
    assert_int_equal(server_requests(&server, "/t1"), 2);
    assert_int_equal(server_requests(&server, "/t2"), 3);
    assert_int_equal(server_requests(&server, "/t3"), 1);
}

static void fetch_openssl_threads(void **state)
{
    (void)state;
    fetch_threads("tests/programs/fetch");
}

static void fetch_gnutls_threads(void **state)
{
    (void)state;
    fetch_threads("tests/programs/fetch-gnutls");
}

static void fetch_upload_and_duplicate(void **state)
{
    (void)state;
    server_start(&server, "/up: 429 ra=0 | 503 | 200 body=done\n");
    const char *input = scratch_file();
    write_pattern_file(input, 70000);
    run_checked(ARGV(build_path("tests/programs/fetch", 1), "--dup", "--upload", input, url("/up")),
                ENV(FAST_RETRIES), 0);
    assert_run_output(&run, "done");
    assert_same_body_every_attempt(&server, "/up", 3, 70000);
}

static void pycurl_retries_a_429(void **state)
{
    (void)state;
    server_start(&server, "/py: 429 ra=0 | 200 body=snake\n");
    /* Python's own allocator confuses memcheck; plain malloc keeps its reports meaningful. */
    run_checked(
        ARGV("/usr/bin/python3", source_path("tests/programs/pycurl_fetch.py", 1), url("/py")),
        ENV(FAST_RETRIES, "PYTHONMALLOC=malloc"), 0);
    assert_run_output(&run, "200 snake");
    assert_int_equal(server_requests(&server, "/py"), 2);
}

/* wget calls connect() itself: the connect() hook's retries, under memcheck. */
static void wget_connect_retries(void **state)
{
    (void)state;
    server_start(&server, "/w: 200 body=fetched\n");
    run_checked(ARGV("/usr/bin/wget", "-q", "--tries=1", "-O", "-", url("/w")), ENV(FAST_RETRIES),
                0);
    assert_run_output(&run, "fetched");
    run_result_free(&run);

    char refused_url[64];
    snprintf(refused_url, sizeof(refused_url), "http://127.0.0.1:%d/",
             refusing_port(&closed_port_fd));
    /* A wait is a time budget: at TRYAGAIN_LOG=1 it shows its first retry and its give-up. */
    run_checked(ARGV("/usr/bin/wget", "-q", "--tries=1", "-O", "-", refused_url),
                ENV(FAST_RETRIES, "TRYAGAIN_CONNECT_ANY_WAIT_MS=600"), 4);
    assert_int_equal(count_occurrences(run.err, run.err_len, "connect 127.0.0.1:"), 2);
    assert_non_null(strstr(run.err, "giving up"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, set_up, tear_down)
    const struct CMUnitTest tests[] = {
        T(curl_retries_a_429),    T(curl_5mib_body_after_a_429), T(curl_upload_resent_after_a_503),
        T(fetch_openssl_threads), T(fetch_gnutls_threads),       T(fetch_upload_and_duplicate),
        T(pycurl_retries_a_429),  T(wget_connect_retries),
    };
#undef T
    return cmocka_run_group_tests_name("programs under valgrind memcheck", tests, NULL, NULL);
}
