/* Test processes are plain fork/exec with pipes: what the test sees is exactly what a user at a
   shell would see. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 8

static long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

const char *build_path(const char *relative, int slot)
{
    static char paths[SLOTS][PATH_MAX];
    const char *build = getenv("TRYAGAIN_BUILD");
    snprintf(paths[slot % SLOTS], PATH_MAX, "%s/%s", build ? build : "build", relative);
    return paths[slot % SLOTS];
}

const char *source_path(const char *relative, int slot)
{
    static char paths[SLOTS][PATH_MAX];
    const char *build = getenv("TRYAGAIN_BUILD");
    snprintf(paths[slot % SLOTS], PATH_MAX, "%s/../%s", build ? build : "build", relative);
    return paths[slot % SLOTS];
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* Coordination's state ($XDG_RUNTIME_DIR/tryagain-coordinate.v1) is per test server: what one
   test's server said must not pace or break the next test's, nor the user's own programs. */
static char state_dir[320];

static void start_server(struct server *server, const char *script, const char *tls);

/* Every program a test binary starts, by the harness or by a fork of its own (the stress and
   valgrind suites), inherits a private state directory of the binary's, made before main: no
   test leaves coordination state in the user's real one ($XDG_RUNTIME_DIR or /dev/shm). A
   test server's own directory takes its place for the programs run against it. */
static char process_state_dir[] = "/tmp/tryagain-state-XXXXXX";
static pid_t process_state_owner;

__attribute__((constructor)) static void private_state_for_every_program(void)
{
    process_state_owner = getpid();
    if(mkdtemp(process_state_dir))
        setenv("XDG_RUNTIME_DIR", process_state_dir, 1);
    else
        process_state_dir[0] = '\0';
}

__attribute__((destructor)) static void remove_private_state(void)
{
    if(!process_state_dir[0] || getpid() != process_state_owner)
        return; /* a forked child's exit leaves it to the test binary */
    char file[sizeof(process_state_dir) + 32];
    snprintf(file, sizeof(file), "%s/tryagain-coordinate.v1", process_state_dir);
    unlink(file);
    rmdir(process_state_dir);
}

void server_start(struct server *server, const char *script)
{
    start_server(server, script, NULL);
}

void server_start_tls(struct server *server, const char *script, const char *cert_file,
                      const char *key_file)
{
    char tls[2 * PATH_MAX + 2];
    snprintf(tls, sizeof(tls), "%s:%s", cert_file, key_file);
    start_server(server, script, tls);
}

static void start_server(struct server *server, const char *script, const char *tls)
{
    char template[] = "/tmp/tryagain-test-XXXXXX";
    assert_non_null(mkdtemp(template));
    snprintf(server->dir, sizeof(server->dir), "%s", template);
    char script_path[PATH_MAX];
    snprintf(script_path, sizeof(script_path), "%s/script", server->dir);
    snprintf(server->log_path, sizeof(server->log_path), "%s/requests.log", server->dir);
    write_file(script_path, script);
    write_file(server->log_path, "");
    snprintf(state_dir, sizeof(state_dir), "%s/run", server->dir);
    assert_int_equal(mkdir(state_dir, 0700), 0);

    int port_pipe[2];
    assert_int_equal(pipe(port_pipe), 0);
    server->pid = fork();
    assert_true(server->pid >= 0);
    if(server->pid == 0) {
        dup2(port_pipe[1], STDOUT_FILENO);
        close(port_pipe[0]);
        close(port_pipe[1]);
        unsetenv("LD_PRELOAD");
        if(tls)
            setenv("SCRIPTED_SERVER_TLS", tls, 1);
        execlp("python3", "python3", source_path("tests/integration/scripted_server.py", 0),
               script_path, server->log_path, (char *)NULL);
        _exit(127);
    }
    close(port_pipe[1]);
    char line[32] = {0};
    size_t used = 0;
    while(used < sizeof(line) - 1) {
        ssize_t got = read(port_pipe[0], line + used, 1);
        if(got <= 0 || line[used] == '\n')
            break;
        used++;
    }
    close(port_pipe[0]);
    server->port = atoi(line);
    assert_true(server->port > 0);
}

void server_stop(struct server *server)
{
    if(server->pid > 0) {
        kill(server->pid, SIGTERM);
        waitpid(server->pid, NULL, 0);
        server->pid = 0;
    }
    char command[PATH_MAX + 16];
    snprintf(command, sizeof(command), "rm -rf '%s'", server->dir);
    if(system(command) != 0)
        fprintf(stderr, "could not remove %s\n", server->dir);
    /* Its state directory goes with it: later programs get the binary's own again, not a
       missing directory (which the library would pass over for /dev/shm). */
    size_t dir_length = strlen(server->dir);
    if(dir_length && !strncmp(state_dir, server->dir, dir_length))
        state_dir[0] = '\0';
}

/* Finds the value of "key": in a one-line JSON object written by scripted_server.py. */
static bool json_field(const char *line, const char *key, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
    const char *at = strstr(line, pattern);
    if(!at)
        return false;
    at += strlen(pattern);
    bool quoted = *at == '"';
    if(quoted)
        at++;
    size_t length = quoted ? strcspn(at, "\"") : strcspn(at, ",}");
    if(length >= size)
        return false;
    memcpy(out, at, length);
    out[length] = '\0';
    return true;
}

/* The log line of the n-th request (1-based) to path, into line; false if none. */
static bool request_line(const struct server *server, const char *path, int n, char *line,
                         size_t size)
{
    FILE *log = fopen(server->log_path, "r");
    if(!log)
        return false;
    bool found = false;
    while(!found && fgets(line, (int)size, log)) {
        char value[128];
        found = json_field(line, "path", value, sizeof(value)) && !strcmp(value, path) &&
                json_field(line, "n", value, sizeof(value)) && atoi(value) == n;
    }
    fclose(log);
    return found;
}

bool server_request(const struct server *server, const char *path, int n, char method[16],
                    long *body_len, char sha256[65])
{
    char line[2048], value[128];
    if(!request_line(server, path, n, line, sizeof(line)))
        return false;
    if(method)
        json_field(line, "method", method, 16);
    if(body_len && json_field(line, "body_len", value, sizeof(value)))
        *body_len = atol(value);
    if(sha256)
        json_field(line, "body_sha256", sha256, 65);
    return true;
}

bool server_request_field(const struct server *server, const char *path, int n, const char *field,
                          char *out, size_t size)
{
    char line[2048];
    return request_line(server, path, n, line, sizeof(line)) && json_field(line, field, out, size);
}

int server_requests(const struct server *server, const char *path)
{
    int count = 0;
    while(server_request(server, path, count + 1, NULL, NULL, NULL))
        count++;
    return count;
}

const char *server_url(const struct server *server, const char *path, int slot)
{
    static char urls[SLOTS][512];
    snprintf(urls[slot % SLOTS], sizeof(urls[0]), "http://127.0.0.1:%d%s", server->port, path);
    return urls[slot % SLOTS];
}

struct sink {
    char *data;
    size_t length;
    size_t capacity;
};

static void sink_append(struct sink *sink, const char *data, size_t length)
{
    if(sink->length + length + 1 > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while(capacity < sink->length + length + 1)
            capacity *= 2;
        sink->data = realloc(sink->data, capacity);
        assert_non_null(sink->data);
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->length, data, length);
    sink->length += length;
    sink->data[sink->length] = '\0';
}

static void child_exec(const char *const *argv, const char *const *env, bool preload, int in_fd,
                       int out_fd, int err_fd)
{
    if(state_dir[0])
        setenv("XDG_RUNTIME_DIR", state_dir, 1);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if(preload) {
        /* A sanitizer build needs its runtime loaded ahead of the library. */
        const char *first = getenv("TRYAGAIN_TEST_PRELOAD_FIRST");
        char value[PATH_MAX * 2];
        snprintf(value, sizeof(value), "%s%s%s", first ? first : "", first ? " " : "",
                 build_path("libtryagain.so", 0));
        setenv("LD_PRELOAD", value, 1);
    }
    else
        unsetenv("LD_PRELOAD");
    for(const char *const *e = env; e && *e; e++)
        putenv((char *)*e);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Feeds stdin and drains stdout and stderr together, so no pipe ever fills up and blocks. */
static void pump(int in_fd, const char *stdin_data, size_t stdin_len, int out_fd, int err_fd,
                 struct sink *out, struct sink *err, long deadline)
{
    size_t fed = 0;
    if(in_fd >= 0 && stdin_len == 0) {
        close(in_fd);
        in_fd = -1;
    }
    while(out_fd >= 0 || err_fd >= 0) {
        struct pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
        long left = deadline - now_ms();
        if(left <= 0)
            break;
        if(poll(fds, 3, (int)left) < 0 && errno != EINTR)
            break;
        char buffer[65536];
        for(int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &out_fd : &err_fd;
            if(*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(*fd, buffer, sizeof(buffer));
            if(got > 0) {
                sink_append(i == 0 ? out : err, buffer, (size_t)got);
            }
            else {
                close(*fd);
                *fd = -1;
            }
        }
        if(in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t wrote = write(in_fd, stdin_data + fed, stdin_len - fed);
            if(wrote > 0)
                fed += (size_t)wrote;
            if(wrote <= 0 || fed == stdin_len) {
                close(in_fd);
                in_fd = -1;
            }
        }
    }
    if(in_fd >= 0)
        close(in_fd);
    if(out_fd >= 0)
        close(out_fd);
    if(err_fd >= 0)
        close(err_fd);
}

void run_program(struct run_result *result, const char *const *argv, const char *const *env,
                 const char *stdin_data, size_t stdin_len, bool preload)
{
    memset(result, 0, sizeof(*result));
    int in_pipe[2], out_pipe[2], err_pipe[2];
    assert_int_equal(pipe(in_pipe), 0);
    assert_int_equal(pipe(out_pipe), 0);
    assert_int_equal(pipe(err_pipe), 0);
    signal(SIGPIPE, SIG_IGN);
    long started = now_ms();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if(pid == 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        int null_fd = open("/dev/null", O_RDONLY);
        child_exec(argv, env, preload, stdin_data ? in_pipe[0] : null_fd, out_pipe[1], err_pipe[1]);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    struct sink out = {0}, err = {0};
    sink_append(&out, "", 0);
    sink_append(&err, "", 0);
    pump(stdin_data ? in_pipe[1] : -1, stdin_data, stdin_len, out_pipe[0], err_pipe[0], &out, &err,
         started + 60000);
    if(!stdin_data)
        close(in_pipe[1]);
    int status = 0;
    if(waitpid(pid, &status, WNOHANG) == 0) {
        /* Output closed but the process lingers, or the 60 s limit passed: give it a moment. */
        long give_up = now_ms() + (now_ms() < started + 60000 ? 60000 : 0);
        while(waitpid(pid, &status, WNOHANG) == 0 && now_ms() < give_up)
            usleep(10000);
        if(waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
    }
    result->elapsed_ms = now_ms() - started;
    result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    result->out = out.data;
    result->out_len = out.length;
    result->err = err.data;
    result->err_len = err.length;
}

void run_result_free(struct run_result *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof(*result));
}

void show_run(const struct run_result *result)
{
    enum { SHOWN = 4000 };
    fprintf(stderr, "exit %d signal %d after %ld ms\n", result->exit_status, result->term_signal,
            result->elapsed_ms);
    fprintf(stderr, "stdout (%zu bytes%s) [%.*s]\n", result->out_len,
            result->out_len > SHOWN ? ", the first 4000 shown" : "",
            (int)(result->out_len > SHOWN ? SHOWN : result->out_len),
            result->out ? result->out : "");
    fprintf(stderr, "stderr (%zu bytes%s) [%.*s]\n", result->err_len,
            result->err_len > SHOWN ? ", the first 4000 shown" : "",
            (int)(result->err_len > SHOWN ? SHOWN : result->err_len),
            result->err ? result->err : "");
}

void assert_run_output(const struct run_result *result, const char *expected)
{
    if(result->out_len != strlen(expected) || memcmp(result->out, expected, result->out_len)) {
        fprintf(stderr, "expected output [%s]\ngot [%.*s]\nstderr: %s\n", expected,
                (int)result->out_len, result->out, result->err);
        fail();
    }
}

void assert_same_body_every_attempt(const struct server *server, const char *path, int attempts,
                                    long length)
{
    char first[65], other[65];
    long first_length = -1, other_length = -1;
    assert_int_equal(server_requests(server, path), attempts);
    assert_true(server_request(server, path, 1, NULL, &first_length, first));
    assert_int_equal(first_length, length);
    for(int n = 2; n <= attempts; n++) {
        assert_true(server_request(server, path, n, NULL, &other_length, other));
        assert_int_equal(other_length, length);
        assert_string_equal(first, other);
    }
}

int refusing_port(int *socket_fd)
{
    *socket_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*socket_fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(*socket_fd, (struct sockaddr *)&address, sizeof(address)), 0);
    socklen_t length = sizeof(address);
    assert_int_equal(getsockname(*socket_fd, (struct sockaddr *)&address, &length), 0);
    return ntohs(address.sin_port);
}

static void greet_late(int listen_fd, int count_fd, long delay_ms)
{
    alarm(30); /* never outlive a broken test */
    struct timespec wait = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    while(nanosleep(&wait, &wait) != 0 && errno == EINTR)
        continue;
    if(listen(listen_fd, 16) != 0)
        _exit(3);
    for(;;) {
        int client = accept(listen_fd, NULL, NULL);
        if(client < 0)
            continue;
        if(write(count_fd, "a", 1) != 1 || write(client, "hello\n", 6) != 6)
            _exit(4);
        close(client);
    }
}

void late_listener_start(struct late_listener *listener, long delay_ms)
{
    int listen_fd;
    listener->port = refusing_port(&listen_fd);
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    fflush(NULL);
    listener->pid = fork();
    assert_true(listener->pid >= 0);
    if(listener->pid == 0) {
        close(pipe_fds[0]);
        greet_late(listen_fd, pipe_fds[1], delay_ms);
    }
    close(pipe_fds[1]);
    close(listen_fd);
    listener->count_fd = pipe_fds[0];
}

int late_listener_stop(struct late_listener *listener)
{
    if(listener->pid <= 0)
        return 0;
    kill(listener->pid, SIGKILL);
    waitpid(listener->pid, NULL, 0);
    listener->pid = 0;
    int accepted = 0;
    char bytes[64];
    ssize_t got;
    while((got = read(listener->count_fd, bytes, sizeof(bytes))) > 0)
        accepted += (int)got;
    close(listener->count_fd);
    return accepted;
}

int count_occurrences(const char *haystack, size_t length, const char *needle)
{
    size_t needle_length = strlen(needle);
    int count = 0;
    for(size_t i = 0; needle_length && i + needle_length <= length;) {
        if(!memcmp(haystack + i, needle, needle_length)) {
            count++;
            i += needle_length;
        }
        else {
            i++;
        }
    }
    return count;
}

unsigned char pattern_byte(size_t i)
{
    return (unsigned char)((i * 31 + 7) % 251);
}
