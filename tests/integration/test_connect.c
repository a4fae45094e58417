/* connect() retries seen from real programs (python3, wget, a small C client) started before
   their server: what a user observes is the exit status, the output, the connections the
   listener accepted, the attempts in the TRYAGAIN_LOG=2 lines, and the time the program took. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Every run's first settings: polls without jitter (50 ms, then 50 ms and a tenth of the time
   waited), so a late listener is found within about 100 ms of opening, and the whole file
   runs in a few seconds. */
#define SHORT_FIXED_WAITS "TRYAGAIN_JITTER=none"
#define LATE_MS 500

enum reply { REPLY_HELLO, REPLY_HTTP };

/* A listener in a child process that starts listening late: it counts the connections it
   accepts on a pipe, one byte each. Its port comes from refusing_port(): bound from set_up on,
   so connections are refused until the listener calls listen() on that very socket, and no
   other process can take the port in between. */
struct listener {
    pid_t pid;
    int count_fd;
    int port;
    int port_fd; /* the bound socket; -1 once the listener child has it */
    char unix_path[108];
};

static struct listener listener;
static struct run_result run;
static char temp_dir[64];
static char text[8][256]; /* formatted arguments and environment entries */

static const char *format(int slot, const char *pattern, ...) __attribute__((format(printf, 2, 3)));

static const char *format(int slot, const char *pattern, ...)
{
    va_list args;
    va_start(args, pattern);
    vsnprintf(text[slot], sizeof(text[slot]), pattern, args);
    va_end(args);
    return text[slot];
}

static void sleep_ms(long ms)
{
    struct timespec wait = {ms / 1000, (ms % 1000) * 1000000L};
    while(nanosleep(&wait, &wait) != 0 && errno == EINTR)
        continue;
}

static int listening_socket(const struct listener *l)
{
    if(l->unix_path[0]) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        memcpy(address.sun_path, l->unix_path, sizeof(address.sun_path) - 1);
        if(bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, 16) != 0)
            _exit(3);
        return fd;
    }
    if(listen(l->port_fd, 16) != 0)
        _exit(3);
    return l->port_fd;
}

static void read_request_head(int fd)
{
    char buffer[2048];
    size_t used = 0;
    while(used < sizeof(buffer) - 1) {
        ssize_t got = read(fd, buffer + used, sizeof(buffer) - 1 - used);
        if(got <= 0)
            return;
        used += (size_t)got;
        buffer[used] = '\0';
        if(strstr(buffer, "\r\n\r\n"))
            return;
    }
}

static void serve(const struct listener *l, int count_pipe, long delay_ms, enum reply reply)
{
    alarm(30); /* never outlive a broken test */
    sleep_ms(delay_ms);
    int server_fd = listening_socket(l);
    for(;;) {
        int client = accept(server_fd, NULL, NULL);
        if(client < 0)
            continue;
        if(write(count_pipe, "a", 1) != 1)
            _exit(4);
        if(reply == REPLY_HTTP) {
            read_request_head(client);
            static const char response[] =
                "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
            if(write(client, response, sizeof(response) - 1) < 0)
                _exit(5);
        }
        else if(write(client, "hello\n", 6) != 6) {
            _exit(5);
        }
        close(client);
    }
}

/* Starts listening delay_ms from now: on listener.port, or on listener.unix_path if set. */
static void listener_start(long delay_ms, enum reply reply)
{
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    fflush(NULL);
    listener.pid = fork();
    assert_true(listener.pid >= 0);
    if(listener.pid == 0) {
        close(pipe_fds[0]);
        serve(&listener, pipe_fds[1], delay_ms, reply);
    }
    close(pipe_fds[1]);
    listener.count_fd = pipe_fds[0];
    close(listener.port_fd); /* the listener's now: refused until it listens */
    listener.port_fd = -1;
}

/* Stops the listener; returns how many connections it accepted. Clients that count on it
   read the listener's greeting, so every connection is accepted before the client exits. */
static int listener_stop(void)
{
    if(listener.pid <= 0)
        return 0;
    kill(listener.pid, SIGKILL);
    waitpid(listener.pid, NULL, 0);
    listener.pid = 0;
    int accepted = 0;
    char bytes[64];
    ssize_t got;
    while((got = read(listener.count_fd, bytes, sizeof(bytes))) > 0)
        accepted += (int)got;
    close(listener.count_fd);
    return accepted;
}

static int set_up(void **state)
{
    (void)state;
    memset(&listener, 0, sizeof(listener));
    memset(&run, 0, sizeof(run));
    listener.port = refusing_port(&listener.port_fd);
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/tryagain-connect-XXXXXX");
    assert_non_null(mkdtemp(temp_dir));
    return 0;
}

static int tear_down(void **state)
{
    (void)state;
    listener_stop();
    if(listener.port_fd >= 0)
        close(listener.port_fd);
    run_result_free(&run);
    if(listener.unix_path[0])
        unlink(listener.unix_path);
    rmdir(temp_dir);
    return 0;
}

#define EXPECT(condition) ASSERT_SHOWING_RUN(&run, condition)

/* The client's first line, "result=... errno=...", which is the same run after run (the state
   line names an ephemeral port). */
static void copy_result_line(char *out, size_t size)
{
    size_t length = strcspn(run.out, "\n");
    snprintf(out, size, "%.*s", (int)length, run.out);
}

static bool result_line_is(const char *expected)
{
    char line[256];
    copy_result_line(line, sizeof(line));
    return !strcmp(line, expected);
}

static bool output_contains(const char *needle)
{
    return strstr(run.out, needle) != NULL;
}

/* Attempts the library made for the destination, from the TRYAGAIN_LOG=2 lines. */
static int logged_attempts(const char *target)
{
    char needle[160];
    snprintf(needle, sizeof(needle), "connect %s: ", target);
    return count_occurrences(run.err, run.err_len, needle);
}

static const char *loopback_target(void)
{
    return format(7, "127.0.0.1:%d", listener.port);
}

static const char *client(void)
{
    return build_path("tests/tools/connect_client", 1);
}

static void python_waits_for_a_late_listener(void **state)
{
    (void)state;
    const char *script = format(0,
                                "import socket\n"
                                "s = socket.create_connection(('127.0.0.1', %d))\n"
                                "print(s.recv(100).decode(), end='')\n",
                                listener.port);
    run_program(&run, ARGV("/usr/bin/env", "python3", "-c", script),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2"), NULL, 0, false);
    EXPECT(run.exit_status != 0); /* without the library: refused at once */
    EXPECT(strstr(run.err, "ConnectionRefusedError"));
    run_result_free(&run);

    listener_start(LATE_MS, REPLY_HELLO);
    run_program(&run, ARGV("/usr/bin/env", "python3", "-c", script),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(run.elapsed_ms < LATE_MS + 3000);
    EXPECT(logged_attempts(loopback_target()) >= 3);
    EXPECT(listener_stop() == 1);
}

static void wget_waits_for_a_late_http_server(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HTTP);
    const char *url = format(0, "http://127.0.0.1:%d/", listener.port);
    /* --tries=1: wget's own retries are off, and it never retries a refused connection anyway */
    run_program(&run, ARGV("/usr/bin/wget", "-q", "--tries=1", "-O", "-", url),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(strstr(run.err, "retrying in"));
    EXPECT(listener_stop() == 1);
}

static void c_client_waits_for_a_late_listener(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HELLO);
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "--read", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(output_contains("result=0"));
    EXPECT(output_contains("read=hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    /* The last line says the attempt that got through. */
    EXPECT(strstr(run.err, format(1, "connect %s: ok, attempt ", loopback_target())));
    EXPECT(strstr(run.err, " s waited; done\n"));
    EXPECT(listener_stop() == 1);
}

/* The wait is a time budget: attempts never end it, and the program gets the failure it would
   have had without the library once the budget is spent, within a tenth of it. */
static void a_listener_that_never_comes_gets_the_same_error_when_the_budget_is_spent(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "127.0.0.1", port), ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2"),
                NULL, 0, false);
    char without[256];
    copy_result_line(without, sizeof(without));
    run_result_free(&run);

    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=2",
                    "TRYAGAIN_CONNECT_ANY_WAIT_MS=1000"),
                NULL, 0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=111 ECONNREFUSED\n"));
    EXPECT(result_line_is(without)); /* the same failure as without the library */
    EXPECT(logged_attempts(loopback_target()) > 5); /* TRYAGAIN_MAX_ATTEMPTS=2 did not end it */
    EXPECT(strstr(run.err, "giving up: the wait for the server is over\n"));
    EXPECT(run.elapsed_ms >= 1000);
    EXPECT(run.elapsed_ms < 1000 + 100 + 400); /* a tenth, and the start of a process or two */
}

static void the_deadline_stops_retries_early(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_DEADLINE_MS=200"), NULL, 0,
                true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("errno=111 ECONNREFUSED"));
    EXPECT(strstr(run.err, "giving up: the wait would pass TRYAGAIN_DEADLINE_MS"));
    EXPECT(run.elapsed_ms >= 200);
    EXPECT(run.elapsed_ms < 1000);
}

static void a_signal_during_the_wait_ends_the_retries(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "--alarm", "150", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_CONNECT_ANY_WAIT_MS=5000"), NULL,
                0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=111 ECONNREFUSED\n")); /* the last failure, not EINTR */
    EXPECT(strstr(run.err, "giving up: a signal interrupted the wait"));
    EXPECT(run.elapsed_ms < 1500);
}

/* wget's connect timeout leaves connect() by siglongjmp from a SIGALRM handler. */
static void a_longjmp_out_of_connect_leaves_the_library_working(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HELLO);
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "--jump", "120", "--read", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(output_contains("jumped=1\n"));
    EXPECT(output_contains("result=0"));
    EXPECT(output_contains("read=hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(listener_stop() == 1);
}

static void nonblocking_connect_is_untouched_and_immediate(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "--nonblock", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2"), NULL, 0, false);
    char without[256];
    copy_result_line(without, sizeof(without));
    run_result_free(&run);

    run_program(&run, ARGV(client(), "--nonblock", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 1);
    EXPECT(result_line_is(without));
    EXPECT(output_contains("nonblock=1"));
    EXPECT(run.err_len == 0);
    EXPECT(run.elapsed_ms < 500);
}

/* A non-blocking unix connect to a missing file fails at once with ENOENT, an errno the unix
   retries otherwise cover: only the descriptor's flag keeps the library out. */
static void nonblocking_unix_connect_is_untouched(void **state)
{
    (void)state;
    const char *path = format(0, "%s/missing.sock", temp_dir);
    run_program(&run, ARGV(client(), "--nonblock", "--unix", path),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_CONNECT=unix",
                    "TRYAGAIN_MAX_ATTEMPTS=40"),
                NULL, 0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=2 ENOENT\n"));
    EXPECT(output_contains("nonblock=1"));
    EXPECT(run.err_len == 0);
    EXPECT(run.elapsed_ms < 500);
}

static void connect_off_passes_straight_through(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HELLO);
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_CONNECT=off",
                    "TRYAGAIN_MAX_ATTEMPTS=40"),
                NULL, 0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=111 ECONNREFUSED\n"));
    EXPECT(run.err_len == 0);
    EXPECT(run.elapsed_ms < LATE_MS - 100);
    EXPECT(listener_stop() == 0);
}

static void one_attempt_passes_straight_through(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=1"), NULL, 0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=111 ECONNREFUSED\n"));
    EXPECT(run.err_len == 0);
}

static void a_unix_socket_that_appears_late_is_waited_for(void **state)
{
    (void)state;
    snprintf(listener.unix_path, sizeof(listener.unix_path), "%s/app.sock", temp_dir);
    listener_start(LATE_MS, REPLY_HELLO);
    run_program(&run, ARGV(client(), "--read", "--unix", listener.unix_path),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_CONNECT=unix",
                    "TRYAGAIN_MAX_ATTEMPTS=40"),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(output_contains("result=0"));
    EXPECT(output_contains("read=hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(strstr(run.err, format(1, "connect %s: No such file or directory (ENOENT), attempt 1, ",
                                  listener.unix_path)));
    EXPECT(listener_stop() == 1);
}

static void unix_sockets_are_left_alone_by_default(void **state)
{
    (void)state;
    const char *path = format(0, "%s/missing.sock", temp_dir);
    run_program(&run, ARGV(client(), "--unix", path),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=2 ENOENT\n"));
    EXPECT(run.err_len == 0);
}

static void socket_options_flags_and_binding_are_kept(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HELLO);
    const char *port = format(0, "%d", listener.port);
    run_program(&run,
                ARGV(client(), "--keepalive", "--nodelay", "--cloexec", "--bind", "--read",
                     "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_MAX_ATTEMPTS=40"), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(strstr(run.err, "retrying in")); /* it really was retried */
    EXPECT(output_contains("state keepalive=1 nodelay=1 cloexec=1 nonblock=0 bound_port="));
    int bound = -1, local = -2;
    const char *state_line = strstr(run.out, "bound_port=");
    EXPECT(state_line && sscanf(state_line, "bound_port=%d local_port=%d", &bound, &local) == 2);
    EXPECT(bound > 0 && bound == local);
    EXPECT(listener_stop() == 1);
}

static void a_destination_outside_the_filter_fails_at_once(void **state)
{
    (void)state;
    listener_start(LATE_MS, REPLY_HELLO);
    const char *port = format(0, "%d", listener.port);
    const char *other = format(1, "TRYAGAIN_CONNECT_TO=127.0.0.1:%d,/run/x.sock",
                               listener.port == 65535 ? 1 : listener.port + 1);
    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=2", "TRYAGAIN_MAX_ATTEMPTS=40", other), NULL,
                0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(output_contains("result=-1 errno=111 ECONNREFUSED\n"));
    EXPECT(run.err_len == 0);
    EXPECT(run.elapsed_ms < LATE_MS - 100);
    run_result_free(&run);

    const char *same = format(1, "TRYAGAIN_CONNECT_TO=:%d", listener.port);
    run_program(&run, ARGV(client(), "--read", "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_MAX_ATTEMPTS=40", same), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(listener_stop() == 1);
}

static void a_bad_filter_is_warned_about(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(
        &run, ARGV(client(), "127.0.0.1", port),
        ENV(SHORT_FIXED_WAITS, "TRYAGAIN_MAX_ATTEMPTS=2", "TRYAGAIN_CONNECT_TO=127.0.0.1:99999"),
        NULL, 0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(strstr(run.err, "TRYAGAIN_CONNECT_TO"));
}

static void log_lines_name_the_address_the_error_and_the_wait(void **state)
{
    (void)state;
    const char *port = format(0, "%d", listener.port);
    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_CONNECT_ANY_WAIT_MS=200"), NULL,
                0, true);
    long pid = 0;
    EXPECT(sscanf(run.err, "tryagain[%ld]: ", &pid) == 1);
    char expected[512];
    /* TRYAGAIN_LOG=1: the first line of the wait and the last. The time waited before the first
       retry is a millisecond or so, whatever the machine is doing: not compared. */
    snprintf(expected, sizeof(expected),
             "tryagain[%ld]: connect 127.0.0.1:%d: Connection refused (ECONNREFUSED), "
             "attempt 1, 0.",
             pid, listener.port);
    EXPECT(!strncmp(run.err, expected, strlen(expected)));
    const char *first_end = strchr(run.err, '\n');
    EXPECT(first_end && first_end - run.err > 40 &&
           !strncmp(first_end - strlen(" s waited; retrying in 0.050 s (polling)"),
                    " s waited; retrying in 0.050 s (polling)",
                    strlen(" s waited; retrying in 0.050 s (polling)")));
    EXPECT(count_occurrences(run.err, run.err_len, "\n") == 2);
    EXPECT(strstr(run.err, "s waited; giving up: the wait for the server is over\n"));
    run_result_free(&run);

    run_program(&run, ARGV(client(), "127.0.0.1", port),
                ENV(SHORT_FIXED_WAITS, "TRYAGAIN_LOG=1", "TRYAGAIN_CONNECT_ANY_WAIT_MS=200",
                    "TRYAGAIN_LOG_FORMAT=json"),
                NULL, 0, true);
    EXPECT(count_occurrences(run.err, run.err_len, "\"call\":\"connect\"") == 2);
    EXPECT(strstr(run.err, format(1, "\"address\":\"127.0.0.1:%d\"", listener.port)));
    EXPECT(strstr(run.err, "\"error\":\"Connection refused (ECONNREFUSED)\""));
    EXPECT(strstr(run.err, "\"waited_ms\":"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(python_waits_for_a_late_listener, set_up, tear_down),
        cmocka_unit_test_setup_teardown(wget_waits_for_a_late_http_server, set_up, tear_down),
        cmocka_unit_test_setup_teardown(c_client_waits_for_a_late_listener, set_up, tear_down),
        cmocka_unit_test_setup_teardown(
            a_listener_that_never_comes_gets_the_same_error_when_the_budget_is_spent, set_up,
            tear_down),
        cmocka_unit_test_setup_teardown(the_deadline_stops_retries_early, set_up, tear_down),
        cmocka_unit_test_setup_teardown(a_signal_during_the_wait_ends_the_retries, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(a_longjmp_out_of_connect_leaves_the_library_working, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(nonblocking_connect_is_untouched_and_immediate, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(nonblocking_unix_connect_is_untouched, set_up, tear_down),
        cmocka_unit_test_setup_teardown(connect_off_passes_straight_through, set_up, tear_down),
        cmocka_unit_test_setup_teardown(one_attempt_passes_straight_through, set_up, tear_down),
        cmocka_unit_test_setup_teardown(a_unix_socket_that_appears_late_is_waited_for, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(unix_sockets_are_left_alone_by_default, set_up, tear_down),
        cmocka_unit_test_setup_teardown(socket_options_flags_and_binding_are_kept, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(a_destination_outside_the_filter_fails_at_once, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(a_bad_filter_is_warned_about, set_up, tear_down),
        cmocka_unit_test_setup_teardown(log_lines_name_the_address_the_error_and_the_wait, set_up,
                                        tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
