/* Integration test helpers: a scripted HTTP server on 127.0.0.1 and real programs run under
   LD_PRELOAD, with what a user would observe collected (exit status, output bytes, time). */
#ifndef TRYAGAIN_HARNESS_H
#define TRYAGAIN_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

/* NULL-terminated lists of strings, the form run_program and every test's helpers take:
   ARGV(...) for a command line or a part of one (flags passed on to a helper), ENV(...) for
   "NAME=value" environment entries. Each holds exactly the strings given, at least one; the
   settings a suite gives every run are a macro of its own, e.g.
   ENV(QUICK_RETRIES, "TRYAGAIN_MAX_ATTEMPTS=3"). */
#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* What most runs under the library start from: a 50 ms base backoff, and a line on stderr for
   every retry and give-up (TRYAGAIN_LOG=1), which show_run prints when a test fails. */
#define QUICK_RETRIES "TRYAGAIN_BASE_DELAY_MS=50", "TRYAGAIN_LOG=1"

struct server {
    pid_t pid;
    int port;
    char dir[256]; /* a fresh temporary directory, removed by server_stop */
    char log_path[300]; /* one JSON line per request received */
};

/* Starts tests/integration/scripted_server.py with script (its format is documented there). */
void server_start(struct server *server, const char *script);
/* The same over HTTPS, with this certificate and key (PEM files). */
void server_start_tls(struct server *server, const char *script, const char *cert_file,
                      const char *key_file);
void server_stop(struct server *server);
/* How many requests reached path. */
int server_requests(const struct server *server, const char *path);
/* Method, body length and body sha256 of the n-th request (1-based) to path; false if none. */
bool server_request(const struct server *server, const char *path, int n, char method[16],
                    long *body_len, char sha256[65]);
/* One field of the n-th request to path as the server logged it: "host", "key" (its
   Idempotency-Key header, "" when none)...; false when there is no such request. */
bool server_request_field(const struct server *server, const char *path, int n, const char *field,
                          char *out, size_t size);
/* "http://127.0.0.1:PORT/path" in a buffer that lives until the next call of the same slot
   (0..7), so a test can hold a few URLs at once. */
const char *server_url(const struct server *server, const char *path, int slot);

struct run_result {
    int exit_status; /* -1 when killed by a signal */
    int term_signal; /* 0 unless killed */
    char *out; /* NUL-terminated as a convenience; out_len is the real length */
    size_t out_len;
    char *err;
    size_t err_len;
    long elapsed_ms;
};

/* Runs argv[0] (a path) with argv, the current environment plus env ("NAME=value", NULL
   terminated; may be NULL), and LD_PRELOAD set to the library when preload is true. stdin is
   stdin_data, or /dev/null when NULL. Waits at most 60 s. */
void run_program(struct run_result *result, const char *const *argv, const char *const *env,
                 const char *stdin_data, size_t stdin_len, bool preload);
void run_result_free(struct run_result *result);
/* What a run showed, on stderr, for a test about to fail: exit status, signal, time taken, and
   stdout and stderr (the first 4000 bytes of each). */
void show_run(const struct run_result *result);
/* Asserts condition about a run; when it does not hold, the run is shown, then the condition. */
#define ASSERT_SHOWING_RUN(result, condition)                                                      \
    do {                                                                                           \
        if(!(condition)) {                                                                         \
            show_run(result);                                                                      \
            fail_msg("%s", #condition);                                                            \
        }                                                                                          \
    } while(0)

/* Absolute path of a file in the build tree ($TRYAGAIN_BUILD, set by make), e.g.
   build_path("libtryagain.so"). A static buffer per slot (0..7). */
const char *build_path(const char *relative, int slot);
/* Absolute path of a file in the source tree, e.g. source_path("tests/integration/x.py"). */
const char *source_path(const char *relative, int slot);

/* Fails the test, showing both and the program's stderr, unless stdout is exactly expected. */
void assert_run_output(const struct run_result *result, const char *expected);
/* Fails unless path got exactly attempts requests, each with the same body of length bytes:
   an upload re-sent byte for byte. */
void assert_same_body_every_attempt(const struct server *server, const char *path, int attempts,
                                    long length);

/* A TCP port on 127.0.0.1 that refuses connections: bound, never listening, so no other
   process can take it while the test runs. Close *socket_fd when done. A test whose server
   comes late calls listen() on *socket_fd itself (test_connect.c), so the port stays its own. */
int refusing_port(int *socket_fd);

/* A TCP listener on 127.0.0.1 that starts listening delay_ms from now, in a child process, on
   a refusing_port() (so connections are refused until then, and the port cannot be taken), and
   greets each connection with "hello\n". */
struct late_listener {
    pid_t pid;
    int port;
    int count_fd; /* one byte per accepted connection */
};
void late_listener_start(struct late_listener *listener, long delay_ms);
/* Stops it (if started); returns how many connections it accepted. */
int late_listener_stop(struct late_listener *listener);

/* Number of non-overlapping occurrences of needle in the first length bytes of haystack. */
int count_occurrences(const char *haystack, size_t length, const char *needle);
/* The test body byte i of scripted_server.py's size=N bodies. */
unsigned char pattern_byte(size_t i);

#endif
