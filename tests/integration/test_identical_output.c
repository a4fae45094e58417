/* The library costs nothing visible when it has nothing to do. Each curl invocation runs three
   times against one scripted server: without the library, under it with retries off
   (TRYAGAIN_MAX_ATTEMPTS=1), and under it at its defaults. stdout, stderr, the exit status,
   the -o and -D files and the number of requests the server got must be the same bytes and
   numbers each time. Invocations whose response would be retried (a 503, a 429, a connection
   closed with nothing received) are compared with retries off only.

   The scripted server sends no Date header, so two runs of one script give identical
   responses; every path here has one step, repeated.

   Identical output alone would also be what a library that never ran gives (a hook missing
   from the exports, a preload that failed), so the run with retries on also logs
   (TRYAGAIN_LOG=2, TRYAGAIN_STATS=1) to a file of its own, leaving stderr to curl: it must
   hold one line per transfer, naming its URL, and the exit summary counting them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define CURL "/usr/bin/curl"

/* Arguments that stand for something only known at run time. */
#define OUT_FILE "@OUT" /* a fresh -o file per run */
#define HEADER_FILE "@HDR" /* a fresh -D file per run */
#define UPLOAD_FILE "@UPLOAD" /* 2 MB of pattern bytes */
#define FORM_FILE "@FORM" /* -F file=@(a small file) */
#define REFUSED_URL "@REFUSED" /* a port that refuses connections (refusing_port) */
/* "@/path" is the server's URL for /path. */

static const char script[] = "/text: 200 body=hello%20world\n"
                             "/missing: 404 body=not%20here\n"
                             "/teapot: 418 body=short%20and%20stout\n"
                             "/empty: 204 body=\n"
                             "/redirect: 302 loc=/hop body=moving\n"
                             "/hop: 301 loc=/text\n"
                             "/redirect-missing: 302 loc=/missing\n"
                             "/redirect-gz: 307 loc=/gz\n"
                             "/redirect-unavailable: 302 loc=/unavailable\n"
                             "/big: 200 size=3000000\n"
                             "/chunked: 200 size=100000 chunked\n"
                             "/gz: 200 size=200000 gzip\n"
                             "/upload: 201 body=stored\n"
                             "/many-headers: 200 fill=3000 body=many\n"
                             "/retry-after-200: 200 ra=5 body=fine\n"
                             "/etag: 200 hdr=ETag:\"v1-abc\" body=tagged\n"
                             "/cut: 200 cutbody size=100000\n"
                             "/cut-headers: 200 cuthead fill=20\n"
                             "/bad-chunk: 200 badchunk size=5000\n"
                             "/unavailable: 503 body=down\n"
                             "/limited: 429 ra=1 body=slow%20down\n"
                             "/cut-503: 503 cutbody size=100000\n"
                             "/close: close\n"
                             "/reset: reset\n"
                             "/error-500: 500 body=boom\n";

static struct server server;
static char work_dir[64];
static char upload_path[PATH_MAX];
static char form_argument[PATH_MAX + 16];
static char refused_url[64];
static int refusing_fd = -1; /* holds the refused URL's port for the whole suite */

enum mode { PLAIN, RETRIES_OFF, RETRIES_ON, MODES };
static const char *const mode_names[MODES] = {"without the library", "with retries off",
                                              "with retries on"};

enum scope {
    NEEDS_NO_RETRY, /* same bytes with retries off and on */
    RETRIES_OFF_ONLY, /* the response would be retried: same bytes with retries off */
};

struct observed {
    struct run_result run;
    char *out_file; /* NULL when the program wrote no such file */
    size_t out_file_len;
    char *header_file;
    size_t header_file_len;
    int requests; /* requests the server got during the run */
    char *log; /* TRYAGAIN_LOG_FILE of the run with retries on; NULL when not written */
    size_t log_len;
};

static struct observed observed[MODES];

static void write_upload_file(const char *path, size_t size)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for(size_t i = 0; i < size; i++)
        fputc(pattern_byte(i), file);
    fclose(file);
}

static int start_everything(void **state)
{
    (void)state;
    snprintf(work_dir, sizeof(work_dir), "/tmp/tryagain-identical-XXXXXX");
    assert_non_null(mkdtemp(work_dir));
    snprintf(upload_path, sizeof(upload_path), "%s/upload.bin", work_dir);
    write_upload_file(upload_path, 2000000);
    char form_path[PATH_MAX];
    snprintf(form_path, sizeof(form_path), "%s/form.txt", work_dir);
    write_upload_file(form_path, 3000);
    snprintf(form_argument, sizeof(form_argument), "file=@%s", form_path);
    snprintf(refused_url, sizeof(refused_url), "http://127.0.0.1:%d/", refusing_port(&refusing_fd));
    server_start(&server, script);
    return 0;
}

static void forget_mode(int mode)
{
    run_result_free(&observed[mode].run);
    free(observed[mode].out_file);
    free(observed[mode].header_file);
    free(observed[mode].log);
    memset(&observed[mode], 0, sizeof(observed[mode]));
}

static void forget_observed(void)
{
    for(int mode = 0; mode < MODES; mode++)
        forget_mode(mode);
}

static int stop_everything(void **state)
{
    (void)state;
    forget_observed();
    server_stop(&server);
    if(refusing_fd >= 0)
        close(refusing_fd);
    refusing_fd = -1;
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", work_dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", work_dir);
    return 0;
}

static int forget_runs(void **state)
{
    (void)state;
    forget_observed();
    return 0;
}

static int requests_so_far(void)
{
    FILE *log = fopen(server.log_path, "r");
    assert_non_null(log);
    int lines = 0;
    for(int c; (c = fgetc(log)) != EOF;)
        lines += c == '\n';
    fclose(log);
    return lines;
}

/* The whole file, or NULL when there is none. */
static char *slurp(const char *path, size_t *length)
{
    *length = 0;
    FILE *file = fopen(path, "rb");
    if(!file)
        return NULL;
    size_t capacity = 65536;
    char *data = malloc(capacity);
    assert_non_null(data);
    size_t got;
    while((got = fread(data + *length, 1, capacity - *length, file)) > 0) {
        *length += got;
        if(*length == capacity) {
            capacity *= 2;
            data = realloc(data, capacity);
            assert_non_null(data);
        }
    }
    fclose(file);
    return data;
}

static void run_path(char *buffer, size_t size, const char *name, enum mode mode)
{
    snprintf(buffer, size, "%s/%s-%d", work_dir, name, (int)mode);
    unlink(buffer);
}

static void run_mode(enum mode mode, const char *const *args, const char *stdin_data)
{
    char out_path[PATH_MAX], header_path[PATH_MAX], log_path[PATH_MAX];
    run_path(out_path, sizeof(out_path), "out", mode);
    run_path(header_path, sizeof(header_path), "headers", mode);
    run_path(log_path, sizeof(log_path), "tryagain-log", mode);
    const char *argv[32];
    size_t count = 0;
    int url_slot = 0;
    argv[count++] = CURL;
    for(const char *const *arg = args; *arg; arg++) {
        assert_true(count < sizeof(argv) / sizeof(argv[0]) - 1);
        const char *value = *arg;
        if(!strcmp(value, OUT_FILE))
            value = out_path;
        else if(!strcmp(value, HEADER_FILE))
            value = header_path;
        else if(!strcmp(value, UPLOAD_FILE))
            value = upload_path;
        else if(!strcmp(value, FORM_FILE))
            value = form_argument;
        else if(!strcmp(value, REFUSED_URL))
            value = refused_url;
        else if(value[0] == '@' && value[1] == '/')
            value = server_url(&server, value + 1, url_slot++);
        argv[count++] = value;
    }
    argv[count] = NULL;
    char log_file[PATH_MAX + 32];
    snprintf(log_file, sizeof(log_file), "TRYAGAIN_LOG_FILE=%s", log_path);
    const char *const *retries_off = ENV("TRYAGAIN_MAX_ATTEMPTS=1");
    const char *const *retries_on = ENV("TRYAGAIN_LOG=2", "TRYAGAIN_STATS=1", log_file);
    const char *const *env = mode == RETRIES_OFF  ? retries_off
                             : mode == RETRIES_ON ? retries_on
                                                  : NULL;
    forget_mode(mode); /* a test may compare several invocations in turn */
    struct observed *seen = &observed[mode];
    int before = requests_so_far();
    run_program(&seen->run, argv, env, stdin_data, stdin_data ? strlen(stdin_data) : 0,
                mode != PLAIN);
    seen->requests = requests_so_far() - before;
    seen->out_file = slurp(out_path, &seen->out_file_len);
    seen->header_file = slurp(header_path, &seen->header_file_len);
    seen->log = slurp(log_path, &seen->log_len);
}

/* The URLs of an invocation, in the order curl transfers them: one transfer each (curl follows
   redirects inside one curl_easy_perform). */
static int transfer_urls(const char *const *args, const char *urls[], int room)
{
    int count = 0;
    int url_slot = 0;
    for(const char *const *arg = args; *arg; arg++) {
        if((*arg)[0] != '@' || (*arg)[1] != '/')
            continue;
        assert_true(count < room);
        urls[count++] = server_url(&server, *arg + 1, url_slot++);
    }
    return count;
}

/* The library saw every transfer of the run with retries on, and retried none: its log has
   exactly one line per transfer (the level-2 line of a transfer done at its first attempt, or
   the line of one given up at once), each URL named, and the exit summary counts them. */
static bool library_saw_each_transfer(const char *const *args)
{
    const struct observed *on = &observed[RETRIES_ON];
    const char *urls[8];
    int transfers = transfer_urls(args, urls, 8);
    if(!on->log) {
        fprintf(stderr, "with retries on: no TRYAGAIN_LOG_FILE written: the library did not run\n");
        return false;
    }
    bool saw = true;
    int lines = count_occurrences(on->log, on->log_len, ", attempt ");
    if(lines != transfers) {
        fprintf(stderr, "with retries on: %d log lines of transfers, expected %d\n", lines,
                transfers);
        saw = false;
    }
    for(int i = 0; i < transfers; i++) {
        char named[600];
        snprintf(named, sizeof(named), " %s: ", urls[i]);
        if(!strstr(on->log, named)) {
            fprintf(stderr, "with retries on: no log line names %s\n", urls[i]);
            saw = false;
        }
    }
    char summary[128];
    snprintf(summary, sizeof(summary),
             ": stats: %d transfers, 0 connects, %d attempts, 0 retries, ", transfers, transfers);
    if(count_occurrences(on->log, on->log_len, summary) != 1) {
        fprintf(stderr, "with retries on: the exit summary is not one line [%s...]\n", summary + 2);
        saw = false;
    }
    if(!saw)
        fprintf(stderr, "the log with retries on:\n%.*s\n", (int)on->log_len, on->log);
    return saw;
}

static bool same_bytes(const char *what, enum mode mode, const char *mine, size_t mine_len,
                       const char *plain, size_t plain_len)
{
    if(!mine != !plain) {
        fprintf(stderr, "%s %s: %s, but %s without the library\n", what, mode_names[mode],
                mine ? "written" : "missing", plain ? "written" : "missing");
        return false;
    }
    if(mine_len == plain_len && (!mine_len || !memcmp(mine, plain, mine_len)))
        return true;
    size_t common = mine_len < plain_len ? mine_len : plain_len;
    size_t at = 0;
    while(at < common && mine[at] == plain[at])
        at++;
    fprintf(stderr,
            "%s %s: %zu bytes, %zu without the library; first difference at byte %zu\n"
            "  %s: [%.*s]\n  without the library: [%.*s]\n",
            what, mode_names[mode], mine_len, plain_len, at, mode_names[mode],
            (int)(mine_len < 300 ? mine_len : 300), mine, (int)(plain_len < 300 ? plain_len : 300),
            plain);
    return false;
}

static bool same_as_plain(enum mode mode)
{
    const struct observed *mine = &observed[mode], *plain = &observed[PLAIN];
    bool same = true;
    if(mine->run.exit_status != plain->run.exit_status ||
       mine->run.term_signal != plain->run.term_signal) {
        fprintf(stderr, "exit %d (signal %d) %s, %d (signal %d) without the library\n",
                mine->run.exit_status, mine->run.term_signal, mode_names[mode],
                plain->run.exit_status, plain->run.term_signal);
        same = false;
    }
    same &= same_bytes("stdout", mode, mine->run.out, mine->run.out_len, plain->run.out,
                       plain->run.out_len);
    same &= same_bytes("stderr", mode, mine->run.err, mine->run.err_len, plain->run.err,
                       plain->run.err_len);
    same &= same_bytes("-o file", mode, mine->out_file, mine->out_file_len, plain->out_file,
                       plain->out_file_len);
    same &= same_bytes("-D file", mode, mine->header_file, mine->header_file_len,
                       plain->header_file, plain->header_file_len);
    if(mine->requests != plain->requests) {
        fprintf(stderr, "%d requests at the server %s, %d without the library\n", mine->requests,
                mode_names[mode], plain->requests);
        same = false;
    }
    return same;
}

/* Runs curl with args (an ARGV list) in every mode the scope allows and compares each with the plain run. */
static void check_identical(enum scope scope, const char *const *args, const char *stdin_data)
{
    run_mode(PLAIN, args, stdin_data);
    bool same = true;
    run_mode(RETRIES_OFF, args, stdin_data);
    same &= same_as_plain(RETRIES_OFF);
    bool saw = true;
    if(scope == NEEDS_NO_RETRY) {
        run_mode(RETRIES_ON, args, stdin_data);
        same &= same_as_plain(RETRIES_ON);
        saw = library_saw_each_transfer(args);
    }
    if(!same)
        fail_msg("output differs from curl's own");
    if(!saw)
        fail_msg("the library did not see each transfer with retries on");
}

/* Checks that the case really exercises something: the plain run's exit status and how much
   it printed. */
static void assert_plain_run(int exit_status, size_t min_out)
{
    assert_int_equal(observed[PLAIN].run.exit_status, exit_status);
    assert_true(observed[PLAIN].run.out_len >= min_out);
}

/* ---- Responses that need no retry: identical with retries off and on ---- */

static void test_get_body_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "@/text"), NULL);
    assert_plain_run(0, 11);
}

static void test_include_headers_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_include_headers_of_404_and_418_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/missing"), NULL);
    assert_plain_run(0, 40);
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "-w", "%{http_code}", "@/teapot"), NULL);
    assert_plain_run(0, 40);
}

static void test_204_without_body_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/empty"), NULL);
    assert_plain_run(0, 20);
}

static void test_redirect_not_followed_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/redirect"), NULL);
    assert_plain_run(0, 40);
}

static void test_followed_redirect_chain_with_include_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-siL", "@/redirect"), NULL);
    assert_plain_run(0, 100);
    assert_int_equal(observed[PLAIN].requests, 3);
}

static void test_redirect_to_404_write_out_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY,
                    ARGV("-sL", "-w",
                         "|%{http_code} %{num_redirects} %{url_effective} %{redirect_url}\n",
                         "@/redirect-missing"),
                    NULL);
    assert_plain_run(0, 20);
}

static void test_large_download_to_output_file_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "-o", OUT_FILE, "@/big"), NULL);
    assert_int_equal(observed[PLAIN].out_file_len, 3000000);
}

static void test_large_download_to_stdout_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "@/big"), NULL);
    assert_plain_run(0, 3000000);
}

static void test_dump_header_and_output_file_of_chunked_response_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "-D", HEADER_FILE, "-o", OUT_FILE, "@/chunked"),
                    NULL);
    assert_int_equal(observed[PLAIN].out_file_len, 100000);
    assert_true(observed[PLAIN].header_file_len > 40);
}

static void test_chunked_response_with_include_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/chunked"), NULL);
    assert_plain_run(0, 100000);
}

static void test_dump_header_to_stdout_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "-D", "-", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_dump_header_of_redirect_chain_is_identical(void **state)
{
    (void)state;
    check_identical(
        NEEDS_NO_RETRY,
        ARGV("-sL", "-D", HEADER_FILE, "-o", OUT_FILE, "-w", "%{num_redirects}", "@/redirect"),
        NULL);
    assert_plain_run(0, 1);
}

static void test_write_out_variables_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY,
                    ARGV("-s", "-o", "/dev/null", "-w",
                         "%{http_code} %{response_code} %{size_download} %{size_header} "
                         "%{size_request} %{size_upload} %{num_headers} %{content_type} "
                         "%{exitcode} %{num_connects} %{num_redirects} %{method} "
                         "%{header_json}\n%header{content-length}\n",
                         "@/text"),
                    NULL);
    assert_plain_run(0, 40);
}

static void test_form_upload_is_identical(void **state)
{
    (void)state;
    check_identical(
        NEEDS_NO_RETRY,
        ARGV("-si", "-F", "field=value", "-F", FORM_FILE, "-w", "|%{size_upload}", "@/upload"),
        NULL);
    assert_plain_run(0, 40);
}

static void test_put_upload_of_a_file_with_100_continue_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY,
                    ARGV("-si", "-T", UPLOAD_FILE, "-w", "|%{size_upload}", "@/upload"), NULL);
    assert_plain_run(0, 40);
    assert_non_null(strstr(observed[PLAIN].run.out, "HTTP/1.1 100 Continue"));
}

static void test_put_upload_from_stdin_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "-T", "-", "@/upload"), "from a pipe\n");
    assert_plain_run(0, 40);
}

static void test_post_data_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "-d", "a=1&b=2", "@/upload"), NULL);
    assert_plain_run(0, 40);
}

static void test_custom_method_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "-X", "DELETE", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_head_request_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sI", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_compressed_gzip_response_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "--compressed", "@/gz"), NULL);
    assert_plain_run(0, 200000);
    check_identical(NEEDS_NO_RETRY,
                    ARGV("-s", "--compressed", "-D", HEADER_FILE, "-o", OUT_FILE, "@/gz"), NULL);
    assert_int_equal(observed[PLAIN].out_file_len, 200000);
}

static void test_compressed_with_identity_response_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "--compressed", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_fail_on_404_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sSf", "@/missing"), NULL);
    assert_plain_run(22, 0);
    check_identical(NEEDS_NO_RETRY, ARGV("-sSfi", "-w", "%{http_code}", "@/missing"), NULL);
    assert_plain_run(22, 3);
}

static void test_fail_on_200_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sSfi", "@/text"), NULL);
    assert_plain_run(0, 40);
}

static void test_every_option_together_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY,
                    ARGV("-sSfL", "--compressed", "-D", HEADER_FILE, "-o", OUT_FILE, "-w",
                         "%{http_code} %{num_redirects} %{size_download}", "@/redirect-gz"),
                    NULL);
    assert_plain_run(0, 5);
    assert_int_equal(observed[PLAIN].out_file_len, 200000);
}

static void test_thousands_of_headers_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/many-headers"), NULL);
    assert_plain_run(0, 3000 * 30);
}

static void test_retry_after_on_a_200_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/retry-after-200"), NULL);
    assert_plain_run(0, 40);
}

static void test_several_urls_in_one_invocation_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-si", "@/text", "@/missing", "@/redirect", "@/chunked"),
                    NULL);
    assert_plain_run(0, 100000);
}

/* What libcurl itself reports of the transfer: the requests it sent and every step. */
static void test_verbose_and_trace_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sv", "@/text"), NULL);
    assert_true(observed[PLAIN].run.err_len > 100);
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "--trace-ascii", HEADER_FILE, "@/redirect"), NULL);
    assert_true(observed[PLAIN].header_file_len > 100);
}

/* Options that read response headers through libcurl's header callback. */
static void test_etag_save_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-s", "--etag-save", OUT_FILE, "@/etag"), NULL);
    assert_true(observed[PLAIN].out_file_len >= 5);
}

/* Faults the library leaves alone (part of the response has arrived) are curl's own. */
static void test_body_cut_short_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sSi", "@/cut"), NULL);
    assert_plain_run(18, 50000);
}

static void test_headers_cut_short_are_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sSi", "@/cut-headers"), NULL);
    assert_plain_run(0, 20);
}

static void test_broken_chunked_encoding_is_identical(void **state)
{
    (void)state;
    check_identical(NEEDS_NO_RETRY, ARGV("-sSi", "@/bad-chunk"), NULL);
    assert_plain_run(56, 2500);
}

/* ---- Responses that would be retried: identical with retries off ---- */

static void test_retries_off_503_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-si", "@/unavailable"), NULL);
    assert_plain_run(0, 40);
    check_identical(RETRIES_OFF_ONLY, ARGV("-sSf", "-w", "%{http_code}", "@/unavailable"), NULL);
    assert_plain_run(22, 3);
    check_identical(RETRIES_OFF_ONLY,
                    ARGV("-s", "-D", HEADER_FILE, "-o", OUT_FILE, "@/unavailable"), NULL);
    assert_plain_run(0, 0);
}

static void test_retries_off_429_with_retry_after_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-si", "@/limited"), NULL);
    assert_plain_run(0, 40);
}

static void test_retries_off_500_with_fail_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-sSf", "-w", "%{http_code}", "@/error-500"), NULL);
    assert_plain_run(22, 3);
}

static void test_retries_off_redirect_to_503_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-siL", "@/redirect-unavailable"), NULL);
    assert_plain_run(0, 80);
}

static void test_retries_off_uploads_to_503_are_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-si", "-T", UPLOAD_FILE, "@/unavailable"), NULL);
    assert_plain_run(0, 40);
    check_identical(RETRIES_OFF_ONLY, ARGV("-si", "-F", "field=value", "@/unavailable"), NULL);
    assert_plain_run(0, 40);
}

static void test_retries_off_503_cut_in_its_body_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-sSi", "@/cut-503"), NULL);
    assert_plain_run(18, 50000);
}

static void test_retries_off_connection_closed_or_reset_is_identical(void **state)
{
    (void)state;
    check_identical(RETRIES_OFF_ONLY, ARGV("-sS", "@/close"), NULL);
    assert_plain_run(52, 0); /* CURLE_GOT_NOTHING */
    check_identical(RETRIES_OFF_ONLY, ARGV("-sS", "@/reset"), NULL);
    assert_plain_run(56, 0); /* CURLE_RECV_ERROR */
}

static void test_retries_off_refused_connection_is_identical(void **state)
{
    (void)state;
    /* -S would print curl's "after N ms", which varies from run to run. */
    check_identical(RETRIES_OFF_ONLY, ARGV("-s", "-w", "%{exitcode}", REFUSED_URL), NULL);
    assert_plain_run(7, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, forget_runs)
        T(test_get_body_is_identical),
        T(test_include_headers_are_identical),
        T(test_include_headers_of_404_and_418_are_identical),
        T(test_204_without_body_is_identical),
        T(test_redirect_not_followed_is_identical),
        T(test_followed_redirect_chain_with_include_is_identical),
        T(test_redirect_to_404_write_out_is_identical),
        T(test_large_download_to_output_file_is_identical),
        T(test_large_download_to_stdout_is_identical),
        T(test_dump_header_and_output_file_of_chunked_response_are_identical),
        T(test_chunked_response_with_include_is_identical),
        T(test_dump_header_to_stdout_is_identical),
        T(test_dump_header_of_redirect_chain_is_identical),
        T(test_write_out_variables_are_identical),
        T(test_form_upload_is_identical),
        T(test_put_upload_of_a_file_with_100_continue_is_identical),
        T(test_put_upload_from_stdin_is_identical),
        T(test_post_data_is_identical),
        T(test_custom_method_is_identical),
        T(test_head_request_is_identical),
        T(test_compressed_gzip_response_is_identical),
        T(test_compressed_with_identity_response_is_identical),
        T(test_fail_on_404_is_identical),
        T(test_fail_on_200_is_identical),
        T(test_every_option_together_is_identical),
        T(test_thousands_of_headers_are_identical),
        T(test_retry_after_on_a_200_is_identical),
        T(test_several_urls_in_one_invocation_are_identical),
        T(test_verbose_and_trace_are_identical),
        T(test_etag_save_is_identical),
        T(test_body_cut_short_is_identical),
        T(test_headers_cut_short_are_identical),
        T(test_broken_chunked_encoding_is_identical),
        T(test_retries_off_503_is_identical),
        T(test_retries_off_429_with_retry_after_is_identical),
        T(test_retries_off_500_with_fail_is_identical),
        T(test_retries_off_redirect_to_503_is_identical),
        T(test_retries_off_uploads_to_503_are_identical),
        T(test_retries_off_503_cut_in_its_body_is_identical),
        T(test_retries_off_connection_closed_or_reset_is_identical),
        T(test_retries_off_refused_connection_is_identical),
    };
    return cmocka_run_group_tests_name("curl's output is the same with and without tryagain", tests,
                                       start_everything, stop_everything);
}
