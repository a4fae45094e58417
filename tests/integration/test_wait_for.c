/* TRYAGAIN_CONNECT_TO with the clients people actually use, each started before its server:
   psql against a PostgreSQL that pg_ctl starts late (TCP and its unix socket), redis-cli
   against a late redis-server, Python's socket.create_connection and urllib's urlopen with a
   timeout, node's net.connect (all of them non-blocking connects), a blocking and a
   non-blocking C client, wget. Then the edges: a listed server that never comes (the program's
   own error when the budget is spent, within a tenth of it), an unlisted one refused at once,
   a name that resolves only after a second (a hosts file in a mount namespace of the run's
   own), and 200 non-blocking connects in flight to an unlisted server, not slowed. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define QUIET_POLLS "TRYAGAIN_JITTER=none", "TRYAGAIN_LOG=1"
#define LATE_MS 1500

static struct run_result run;
static char temp_dir[64];
static char text[8][512];
static pid_t server_pid;

static const char *format(int slot, const char *pattern, ...) __attribute__((format(printf, 2, 3)));

static const char *format(int slot, const char *pattern, ...)
{
    va_list args;
    va_start(args, pattern);
    vsnprintf(text[slot], sizeof(text[slot]), pattern, args);
    va_end(args);
    return text[slot];
}

#define EXPECT(condition) ASSERT_SHOWING_RUN(&run, condition)

static bool have(const char *path)
{
    return access(path, X_OK) == 0;
}

/* A port nobody listens on: bound for a moment to find it, then let go for the server. */
static int free_port(void)
{
    int fd;
    int port = refusing_port(&fd);
    close(fd);
    return port;
}

/* Runs the shell command delay_ms from now, in a process group of its own (stopped whole by
   stop_server). */
static void start_server_late(long delay_ms, const char *command)
{
    fflush(NULL);
    server_pid = fork();
    assert_true(server_pid >= 0);
    if(server_pid == 0) {
        setpgid(0, 0);
        alarm(60);
        struct timespec wait = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while(nanosleep(&wait, &wait) != 0 && errno == EINTR)
            continue;
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    setpgid(server_pid, server_pid);
}

static void stop_server(void)
{
    if(server_pid <= 0)
        return;
    kill(-server_pid, SIGTERM);
    struct timespec wait = {0, 200 * 1000000L};
    nanosleep(&wait, NULL);
    kill(-server_pid, SIGKILL);
    waitpid(server_pid, NULL, 0);
    server_pid = 0;
}

static int set_up(void **state)
{
    (void)state;
    memset(&run, 0, sizeof(run));
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/tryagain-wait-XXXXXX");
    assert_non_null(mkdtemp(temp_dir));
    chmod(temp_dir, 0777);
    return 0;
}

static int tear_down(void **state)
{
    (void)state;
    stop_server();
    run_result_free(&run);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", temp_dir);
    if(system(command) != 0)
        return 1;
    return 0;
}

/* ---- PostgreSQL ---- */

#define PG_BIN "/usr/lib/postgresql/15/bin"

/* postgres refuses to run as root: the cluster belongs to the postgres user (Debian's package
   makes it), or to nobody. */
static const char *pg_user(void)
{
    if(geteuid() != 0)
        return NULL;
    return getpwnam("postgres") ? "postgres" : "nobody";
}

static const char *as_pg_user(int slot, const char *command)
{
    const char *user = pg_user();
    if(!user)
        return command;
    return format(slot, "runuser -u %s -- %s", user, command);
}

static void init_cluster(const char *data)
{
    char command[600];
    snprintf(command, sizeof(command), "%s >/dev/null 2>&1",
             as_pg_user(5, format(4, PG_BIN "/initdb -D %s -A trust -U postgres --no-sync", data)));
    assert_int_equal(system(command), 0);
}

/* PostgreSQL listens a moment before it serves: a connection that arrives in that moment gets
   "the database system is starting up" at the protocol level, where the library cannot see
   (README, Limits). The wait did its part then (the connection was accepted); the run is made
   once more, as a script would, and the message says so. */
static void run_psql(const char *const *argv, const char *const *env)
{
    run_program(&run, argv, env, NULL, 0, true);
    if(run.exit_status != 0 && strstr(run.err, "the database system is starting up")) {
        print_message("psql arrived while PostgreSQL was starting up; once more\n");
        run_result_free(&run);
        run_program(&run, argv, env, NULL, 0, true);
    }
}

static void psql_waits_for_a_postgres_started_late(void **state)
{
    (void)state;
    if(!have(PG_BIN "/initdb") || !have("/usr/bin/psql"))
        skip();
    const char *data = format(0, "%s/data", temp_dir);
    init_cluster(data);
    int port = free_port();
    /* pg_ctl -w would wait for it; the client is what must wait. */
    start_server_late(
        LATE_MS, as_pg_user(2, format(1,
                                      PG_BIN "/pg_ctl -D %s -l %s/log -o \"-p %d -k %s "
                                             "-c listen_addresses=127.0.0.1 -c fsync=off\" start",
                                      data, temp_dir, port, temp_dir)));
    const char *list = format(3, "TRYAGAIN_CONNECT_TO=localhost:%d", port);
    run_psql(ARGV("/usr/bin/psql", "-h", "localhost", "-p", format(6, "%d", port), "-U", "postgres",
                  "-At", "-c", "select 6*7"),
             ENV(QUIET_POLLS, list));
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "42\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(
        strstr(run.err, format(7, "connect localhost:%d (127.0.0.1): Connection refused", port)));
    run_result_free(&run);

    /* The same server through its unix socket, named by path; this time psql alone fails. */
    const char *socket_path = format(4, "%s/.s.PGSQL.%d", temp_dir, port);
    const char *const *psql_unix =
        ARGV("/usr/bin/psql", "-h", temp_dir, "-p", format(6, "%d", port), "-U", "postgres", "-At",
             "-c", "select 1");
    char stop[600];
    snprintf(stop, sizeof(stop), "%s >/dev/null 2>&1",
             as_pg_user(2, format(1, PG_BIN "/pg_ctl -D %s -m fast stop", data)));
    EXPECT(system(stop) == 0);
    stop_server();
    run_program(&run, psql_unix, NULL, NULL, 0, false);
    EXPECT(run.exit_status != 0); /* without the library: no such file, at once */
    run_result_free(&run);
    start_server_late(
        LATE_MS, as_pg_user(2, format(1,
                                      PG_BIN "/pg_ctl -D %s -l %s/log -o \"-p %d -k %s "
                                             "-c listen_addresses=127.0.0.1 -c fsync=off\" start",
                                      data, temp_dir, port, temp_dir)));
    run_psql(psql_unix, ENV(QUIET_POLLS, format(3, "TRYAGAIN_CONNECT_TO=%s", socket_path)));
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "1\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    snprintf(stop, sizeof(stop), "%s >/dev/null 2>&1",
             as_pg_user(2, format(1, PG_BIN "/pg_ctl -D %s -m immediate stop", data)));
    if(system(stop) != 0)
        print_message("pg_ctl stop failed\n");
}

/* ---- Redis ---- */

static void redis_cli_waits_for_a_redis_server_started_late(void **state)
{
    (void)state;
    if(!have("/usr/bin/redis-server") || !have("/usr/bin/redis-cli"))
        skip();
    int port = free_port();
    start_server_late(LATE_MS, format(0,
                                      "exec /usr/bin/redis-server --port %d --bind 127.0.0.1 "
                                      "--save '' --appendonly no --dir %s",
                                      port, temp_dir));
    run_program(
        &run, ARGV("/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", format(1, "%d", port), "ping"),
        ENV(QUIET_POLLS, format(2, "TRYAGAIN_CONNECT_TO=127.0.0.1:%d", port)), NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "PONG\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
}

/* ---- Python, node, C, wget against a late listener of the harness ---- */

static void python_create_connection_with_a_timeout_waits(void **state)
{
    (void)state;
    struct late_listener listener;
    late_listener_start(&listener, LATE_MS);
    const char *script = format(0,
                                "import socket\n"
                                "s = socket.create_connection(('localhost', %d), timeout=5)\n"
                                "print(s.recv(100).decode(), end='')\n",
                                listener.port);
    run_program(&run, ARGV("/usr/bin/python3", "-c", script),
                ENV(QUIET_POLLS, format(1, "TRYAGAIN_CONNECT_TO=localhost:%d", listener.port)),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    EXPECT(run.elapsed_ms < LATE_MS + 1500);
    assert_int_equal(late_listener_stop(&listener), 1);
}

static void python_urlopen_with_a_timeout_waits(void **state)
{
    (void)state;
    int port = free_port();
    FILE *page = fopen(format(0, "%s/page.txt", temp_dir), "w");
    assert_non_null(page);
    fputs("a page\n", page);
    fclose(page);
    start_server_late(LATE_MS, format(1,
                                      "cd %s && exec /usr/bin/python3 -m http.server %d "
                                      "--bind 127.0.0.1",
                                      temp_dir, port));
    const char *script = format(2,
                                "import urllib.request\n"
                                "r = urllib.request.urlopen('http://localhost:%d/page.txt', "
                                "timeout=5)\n"
                                "print(r.read().decode(), end='')\n",
                                port);
    run_program(&run, ARGV("/usr/bin/python3", "-c", script),
                ENV(QUIET_POLLS, format(3, "TRYAGAIN_CONNECT_TO=localhost:%d", port)), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "a page\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
}

static void node_net_connect_waits(void **state)
{
    (void)state;
    if(!have("/usr/bin/node"))
        skip();
    struct late_listener listener;
    late_listener_start(&listener, LATE_MS);
    const char *script =
        format(0,
               "const s = require('net').connect(%d, 'localhost');\n"
               "s.on('data', d => { process.stdout.write(d); s.end(); });\n"
               "s.on('error', e => { console.error(e.code); process.exit(1); });\n",
               listener.port);
    run_program(&run, ARGV("/usr/bin/node", "-e", script),
                ENV(QUIET_POLLS, format(1, "TRYAGAIN_CONNECT_TO=localhost:%d", listener.port)),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    assert_int_equal(late_listener_stop(&listener), 1);
}

static const char *client(void)
{
    return build_path("tests/tools/connect_client", 1);
}

static void a_c_client_waits_blocking_and_non_blocking(void **state)
{
    (void)state;
    struct late_listener listener;
    late_listener_start(&listener, LATE_MS);
    const char *port = format(0, "%d", listener.port);
    const char *list = format(1, "TRYAGAIN_CONNECT_TO=127.0.0.1:%d", listener.port);
    run_program(&run, ARGV(client(), "--read", "127.0.0.1", port), ENV(QUIET_POLLS, list), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(strstr(run.out, "read=hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
    run_result_free(&run);
    /* Non-blocking: connect() itself returns 0 once connected, which the program may see. */
    run_program(&run, ARGV(client(), "--nonblock", "127.0.0.1", port), ENV(QUIET_POLLS, list), NULL,
                0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(strstr(run.out, "result=0 "));
    EXPECT(strstr(run.out, "nonblock=1"));
    assert_int_equal(late_listener_stop(&listener), 2);
}

static void wget_waits_for_a_listed_server(void **state)
{
    (void)state;
    int port = free_port();
    FILE *page = fopen(format(0, "%s/index.html", temp_dir), "w");
    assert_non_null(page);
    fputs("hello\n", page);
    fclose(page);
    start_server_late(LATE_MS, format(1,
                                      "cd %s && exec /usr/bin/python3 -m http.server %d "
                                      "--bind 127.0.0.1",
                                      temp_dir, port));
    run_program(&run,
                ARGV("/usr/bin/wget", "-q", "--tries=1", "-O", "-",
                     format(2, "http://localhost:%d/index.html", port)),
                ENV(QUIET_POLLS, format(3, "TRYAGAIN_CONNECT_TO=localhost:%d", port)), NULL, 0,
                true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= LATE_MS - 100);
}

/* ---- the edges ---- */

#define BUDGET_MS 1500

static void a_listed_server_that_never_comes_gets_the_programs_own_error(void **state)
{
    (void)state;
    int port = free_port();
    const char *script = format(0,
                                "import socket, sys\n"
                                "try:\n"
                                "    socket.create_connection(('127.0.0.1', %d), timeout=30)\n"
                                "except OSError as e:\n"
                                "    print(type(e).__name__, e.errno)\n"
                                "    sys.exit(1)\n",
                                port);
    run_program(&run, ARGV("/usr/bin/python3", "-c", script), NULL, NULL, 0, false);
    char without[128];
    snprintf(without, sizeof(without), "%s", run.out);
    EXPECT(!strcmp(without, "ConnectionRefusedError 111\n"));
    run_result_free(&run);

    const char *list = format(1, "TRYAGAIN_CONNECT_TO=127.0.0.1:%d", port);
    const char *budget = format(2, "TRYAGAIN_CONNECT_WAIT_MS=%d", BUDGET_MS);
    run_program(&run, ARGV("/usr/bin/python3", "-c", script), ENV(QUIET_POLLS, list, budget), NULL,
                0, true);
    EXPECT(run.exit_status == 1);
    EXPECT(!strcmp(run.out, without)); /* the same error, the same errno */
    EXPECT(strstr(run.err, "giving up: the wait for the server is over"));
    EXPECT(run.elapsed_ms >= BUDGET_MS);
    /* within a tenth of the budget, and python's own start (measured just above) */
    EXPECT(run.elapsed_ms < BUDGET_MS + BUDGET_MS / 10 + 400);
    run_result_free(&run);

    const char *port_text = format(3, "%d", port);
    run_program(&run, ARGV(client(), "--nonblock", "127.0.0.1", port_text), NULL, NULL, 0, false);
    char c_without[128];
    snprintf(c_without, sizeof(c_without), "%.*s", (int)strcspn(run.out, "\n"), run.out);
    run_result_free(&run);
    run_program(&run, ARGV(client(), "--nonblock", "127.0.0.1", port_text),
                ENV(QUIET_POLLS, list, budget), NULL, 0, true);
    EXPECT(!strncmp(run.out, c_without, strlen(c_without)));
    EXPECT(run.elapsed_ms >= BUDGET_MS);
    EXPECT(run.elapsed_ms < BUDGET_MS + BUDGET_MS / 10 + 200);
}

static void an_unlisted_server_is_refused_at_once(void **state)
{
    (void)state;
    int port = free_port();
    const char *script = format(0,
                                "import socket\n"
                                "socket.create_connection(('127.0.0.1', %d), timeout=5)\n",
                                port);
    run_program(&run, ARGV("/usr/bin/python3", "-c", script),
                ENV(QUIET_POLLS, format(1, "TRYAGAIN_CONNECT_TO=127.0.0.1:%d,db:5432",
                                        port == 65535 ? 1 : port + 1)),
                NULL, 0, true);
    EXPECT(run.exit_status != 0);
    EXPECT(strstr(run.err, "ConnectionRefusedError"));
    EXPECT(!strstr(run.err, "tryagain["));
    EXPECT(run.elapsed_ms < 1000);
}

/* The hosts file of the run's own mount namespace names the server only after a second, as a
   compose service's name resolves only once its container exists. */
static void a_name_that_resolves_late_is_resolved_again(void **state)
{
    (void)state;
    if(geteuid() != 0 || system("unshare -m true 2>/dev/null") != 0)
        skip();
    const char *hosts = format(0, "%s/hosts", temp_dir);
    FILE *file = fopen(hosts, "w");
    assert_non_null(file);
    fputs("127.0.0.1 localhost\n", file);
    fclose(file);
    struct late_listener listener;
    late_listener_start(&listener, 0);
    start_server_late(1000, format(1, "echo '127.0.0.1 db-late.test' >> %s", hosts));
    const char *script = format(2,
                                "import socket\n"
                                "s = socket.create_connection(('db-late.test', %d), timeout=5)\n"
                                "print(s.recv(100).decode(), end='')\n",
                                listener.port);
    const char *wrapped = format(3, "mount --bind %s /etc/hosts && exec python3 -c \"$0\"", hosts);
    run_program(&run, ARGV("/usr/bin/unshare", "-m", "/bin/sh", "-c", wrapped, script),
                ENV(QUIET_POLLS, format(4, "TRYAGAIN_CONNECT_TO=db-late.test:%d", listener.port)),
                NULL, 0, true);
    EXPECT(run.exit_status == 0);
    EXPECT(!strcmp(run.out, "hello\n"));
    EXPECT(run.elapsed_ms >= 900);
    EXPECT(strstr(run.err, "resolve db-late.test: "));
    assert_int_equal(late_listener_stop(&listener), 1);
}

/* An event loop with 200 non-blocking connects in flight to a server that is not listed (and
   refuses them all, the case where the library looks closest): nothing waits, so it takes as
   long as without the library. */
static void many_non_blocking_connects_to_an_unlisted_server_are_not_slowed(void **state)
{
    (void)state;
    int port = free_port();
    const char *script = format(0,
                                "import socket, select, time\n"
                                "start = time.monotonic()\n"
                                "socks = []\n"
                                "for i in range(200):\n"
                                "    s = socket.socket()\n"
                                "    s.setblocking(False)\n"
                                "    s.connect_ex(('127.0.0.1', %d))\n"
                                "    socks.append(s)\n"
                                "pending = set(socks)\n"
                                "while pending:\n"
                                "    _, w, _ = select.select([], list(pending), [], 5)\n"
                                "    if not w: break\n"
                                "    pending -= set(w)\n"
                                "print(len(pending), int((time.monotonic() - start) * 1000))\n",
                                port);
    long best[2] = {100000, 100000};
    for(int round = 0; round < 3; round++) {
        for(int preload = 0; preload < 2; preload++) {
            run_program(&run, ARGV("/usr/bin/python3", "-c", script),
                        ENV(QUIET_POLLS, "TRYAGAIN_CONNECT_TO=db:5432,localhost:1,127.0.0.1:2"),
                        NULL, 0, preload);
            int left = -1;
            long ms = -1;
            EXPECT(sscanf(run.out, "%d %ld", &left, &ms) == 2 && left == 0);
            EXPECT(!strstr(run.err, "tryagain["));
            if(ms < best[preload])
                best[preload] = ms;
            run_result_free(&run);
        }
    }
    print_message("200 non-blocking connects: %ld ms without, %ld ms with the library\n", best[0],
                  best[1]);
    EXPECT(best[1] < best[0] * 2 + 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(psql_waits_for_a_postgres_started_late, set_up, tear_down),
        cmocka_unit_test_setup_teardown(redis_cli_waits_for_a_redis_server_started_late, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(python_create_connection_with_a_timeout_waits, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(python_urlopen_with_a_timeout_waits, set_up, tear_down),
        cmocka_unit_test_setup_teardown(node_net_connect_waits, set_up, tear_down),
        cmocka_unit_test_setup_teardown(a_c_client_waits_blocking_and_non_blocking, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(wget_waits_for_a_listed_server, set_up, tear_down),
        cmocka_unit_test_setup_teardown(
            a_listed_server_that_never_comes_gets_the_programs_own_error, set_up, tear_down),
        cmocka_unit_test_setup_teardown(an_unlisted_server_is_refused_at_once, set_up, tear_down),
        cmocka_unit_test_setup_teardown(a_name_that_resolves_late_is_resolved_again, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(
            many_non_blocking_connects_to_an_unlisted_server_are_not_slowed, set_up, tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
