/* Which failed connect() calls are retried, how long the waits are, and the log's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "policy/connect_rules.h"

/* The configuration a process gets from these variables (NULL-terminated name, value pairs). */
static const char *lookup_pairs(const char *name, void *ctx)
{
    const char *const *pairs = ctx;
    for(size_t i = 0; pairs && pairs[i]; i += 2) {
        if(!strcmp(pairs[i], name))
            return pairs[i + 1];
    }
    return NULL;
}

static void ignore_warning(const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
}

static struct tryagain_config config_from(const char *const *pairs)
{
    struct tryagain_config config;
    config_parse(&config, lookup_pairs, (void *)pairs, ignore_warning, NULL);
    return config;
}

static struct sockaddr_in loopback_v4(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static struct sockaddr_un unix_path(const char *path, socklen_t *length)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
    *length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    return a;
}

static struct connect_call blocking_stream(const void *address, socklen_t length)
{
    struct connect_call call = {address, length, SOCK_STREAM, false, 0, 0};
    return call;
}

static void candidates_are_the_union_of_both_lists(void **state)
{
    (void)state;
    static const int yes[] = {ECONNREFUSED,  ENETUNREACH, EHOSTUNREACH, ETIMEDOUT,
                              EADDRNOTAVAIL, ENOENT,      EAGAIN,       EINPROGRESS};
    static const int no[] = {0,      EINTR, EALREADY,     EISCONN,    EBADF, ENOTSOCK,
                             EACCES, EPERM, EAFNOSUPPORT, ECONNRESET, EINVAL};
    for(size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(connect_errno_candidate(yes[i]));
    for(size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(connect_errno_candidate(no[i]));
}

static void families_map_to_kinds(void **state)
{
    (void)state;
    assert_int_equal(connect_kind_of_family(AF_INET), CONNECT_TCP);
    assert_int_equal(connect_kind_of_family(AF_INET6), CONNECT_TCP);
    assert_int_equal(connect_kind_of_family(AF_UNIX), CONNECT_UNIX);
    assert_int_equal(connect_kind_of_family(AF_UNSPEC), 0);
    assert_int_equal(connect_kind_of_family(AF_NETLINK), 0);
}

static void tcp_retries_refused_unreachable_and_timed_out(void **state)
{
    (void)state;
    assert_true(connect_errno_retryable(CONNECT_TCP, ECONNREFUSED));
    assert_true(connect_errno_retryable(CONNECT_TCP, ENETUNREACH));
    assert_true(connect_errno_retryable(CONNECT_TCP, EHOSTUNREACH));
    assert_true(connect_errno_retryable(CONNECT_TCP, ETIMEDOUT));
    assert_true(connect_errno_retryable(CONNECT_TCP, EADDRNOTAVAIL));
    assert_false(connect_errno_retryable(CONNECT_TCP, ENOENT));
    assert_false(connect_errno_retryable(CONNECT_TCP, EAGAIN));
    assert_false(connect_errno_retryable(CONNECT_TCP, EINTR));
    assert_false(connect_errno_retryable(CONNECT_TCP, EACCES));
}

static void unix_retries_missing_refused_and_full(void **state)
{
    (void)state;
    assert_true(connect_errno_retryable(CONNECT_UNIX, ECONNREFUSED));
    assert_true(connect_errno_retryable(CONNECT_UNIX, ENOENT));
    assert_true(connect_errno_retryable(CONNECT_UNIX, EAGAIN));
    assert_false(connect_errno_retryable(CONNECT_UNIX, ETIMEDOUT));
    assert_false(connect_errno_retryable(CONNECT_UNIX, EACCES));
    assert_false(connect_errno_retryable(CONNECT_UNIX, EINTR));
    assert_false(connect_errno_retryable(0, ECONNREFUSED));
}

static void default_config_retries_blocking_tcp_only(void **state)
{
    (void)state;
    struct tryagain_config config = config_from(NULL);
    struct sockaddr_in v4 = loopback_v4(5432);
    struct connect_call call = blocking_stream(&v4, sizeof(v4));
    assert_true(connect_call_eligible(&config, &call));
    socklen_t length;
    struct sockaddr_un un = unix_path("/run/app.sock", &length);
    call = blocking_stream(&un, length);
    assert_false(connect_call_eligible(&config, &call));
}

static void nonblocking_and_datagram_sockets_are_left_alone(void **state)
{
    (void)state;
    struct tryagain_config config = config_from(NULL);
    struct sockaddr_in v4 = loopback_v4(5432);
    struct connect_call call = blocking_stream(&v4, sizeof(v4));
    call.nonblocking = true;
    assert_false(connect_call_eligible(&config, &call));
    call = blocking_stream(&v4, sizeof(v4));
    call.socket_type = SOCK_DGRAM;
    assert_false(connect_call_eligible(&config, &call));
    call.socket_type = SOCK_SEQPACKET;
    assert_false(connect_call_eligible(&config, &call));
}

static void off_and_single_attempt_mean_pass_through(void **state)
{
    (void)state;
    struct sockaddr_in v4 = loopback_v4(5432);
    struct connect_call call = blocking_stream(&v4, sizeof(v4));
    static const char *const off[] = {"TRYAGAIN_CONNECT", "off", NULL};
    struct tryagain_config config = config_from(off);
    assert_false(connect_call_eligible(&config, &call));
    static const char *const once[] = {"TRYAGAIN_MAX_ATTEMPTS", "1", NULL};
    config = config_from(once);
    assert_false(connect_call_eligible(&config, &call));
}

static void unix_only_leaves_tcp_alone(void **state)
{
    (void)state;
    static const char *const unix_only[] = {"TRYAGAIN_CONNECT", "unix", NULL};
    struct tryagain_config config = config_from(unix_only);
    socklen_t length;
    struct sockaddr_un un = unix_path("/run/app.sock", &length);
    struct connect_call call = blocking_stream(&un, length);
    assert_true(connect_call_eligible(&config, &call));
    struct sockaddr_in v4 = loopback_v4(5432);
    call = blocking_stream(&v4, sizeof(v4));
    assert_false(connect_call_eligible(&config, &call));
}

static void other_families_and_missing_addresses_are_left_alone(void **state)
{
    (void)state;
    static const char *const both[] = {"TRYAGAIN_CONNECT", "tcp,unix", NULL};
    struct tryagain_config config = config_from(both);
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    struct connect_call call = blocking_stream(&unspec, sizeof(unspec));
    assert_false(connect_call_eligible(&config, &call));
    call = blocking_stream(NULL, 0);
    assert_false(connect_call_eligible(&config, &call));
    struct sockaddr_in v4 = loopback_v4(1);
    call = blocking_stream(&v4, 1);
    assert_false(connect_call_eligible(&config, &call));
}

static void the_destination_filter_decides_last(void **state)
{
    (void)state;
    static const char *const only[] = {"TRYAGAIN_CONNECT_TO", "127.0.0.1:5432", NULL};
    struct tryagain_config config = config_from(only);
    struct sockaddr_in wanted = loopback_v4(5432);
    struct sockaddr_in other = loopback_v4(5433);
    struct connect_call call = blocking_stream(&wanted, sizeof(wanted));
    assert_true(connect_call_eligible(&config, &call));
    call = blocking_stream(&other, sizeof(other));
    assert_false(connect_call_eligible(&config, &call));
}

static void listed_servers_wait_blocking_or_not_and_others_never(void **state)
{
    (void)state;
    static const char *const only[] = {"TRYAGAIN_CONNECT_TO", "127.0.0.1:5432,/run/app.sock", NULL};
    struct tryagain_config config = config_from(only);
    struct sockaddr_in wanted = loopback_v4(5432);
    struct connect_call call = blocking_stream(&wanted, sizeof(wanted));
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_LISTED);
    call.nonblocking = true;
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_LISTED);
    struct sockaddr_in other = loopback_v4(5433);
    call = blocking_stream(&other, sizeof(other));
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_NONE);
    /* A listed path waits with the default TRYAGAIN_CONNECT=tcp: listing it is asking. */
    socklen_t length;
    struct sockaddr_un un = unix_path("/run/app.sock", &length);
    call = blocking_stream(&un, length);
    call.nonblocking = true;
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_LISTED);
}

static void a_name_matches_only_the_addresses_it_resolved_to_and_waits_on_the_last(void **state)
{
    (void)state;
    static const char *const named[] = {"TRYAGAIN_CONNECT_TO", "db:5432", NULL};
    struct tryagain_config config = config_from(named);
    struct sockaddr_in address = loopback_v4(5432);
    struct connect_call call = blocking_stream(&address, sizeof(address));
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_NONE); /* not resolved */
    call.resolved = 1;
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_LISTED);
    call.not_last = 1; /* the program has another address to try: it moves on at once */
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_NONE);
    struct sockaddr_in other_port = loopback_v4(5433);
    call = blocking_stream(&other_port, sizeof(other_port));
    call.resolved = 1;
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_NONE);
}

static void nothing_listed_means_a_short_wait_for_blocking_tcp(void **state)
{
    (void)state;
    struct tryagain_config config = config_from(NULL);
    struct sockaddr_in v4 = loopback_v4(5432);
    struct connect_call call = blocking_stream(&v4, sizeof(v4));
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_ANY);
    assert_int_equal(connect_wait_budget_ms(&config, CONNECT_WAIT_ANY), 2000);
    assert_int_equal(connect_wait_budget_ms(&config, CONNECT_WAIT_LISTED), 30000);
    static const char *const none[] = {"TRYAGAIN_CONNECT_ANY_WAIT_MS", "0", NULL};
    config = config_from(none);
    assert_int_equal(connect_call_wait(&config, &call), CONNECT_WAIT_NONE);
}

static void polls_promptly_and_ends_on_the_budget(void **state)
{
    (void)state;
    static const char *const fixed[] = {"TRYAGAIN_JITTER", "none", "TRYAGAIN_CONNECT_WAIT_MS",
                                        "10000", NULL};
    struct tryagain_config config = config_from(fixed);
    struct retry_plan plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 0, 1);
    assert_true(plan.retry);
    assert_int_equal(plan.wait_ms, 50);
    assert_int_equal(plan.wait_reason, WAIT_POLL);
    plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 5000, 1);
    assert_int_equal(plan.wait_ms, 550); /* 50 ms and a tenth of the time waited */
    plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 9800, 1);
    assert_int_equal(plan.wait_ms, 200); /* the last attempt falls on the end of the budget */
    plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 10000, 1);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_WAIT_OVER);
    /* Attempts never end it: there is no attempt count in the plan at all. */
    static const char *const once[] = {"TRYAGAIN_MAX_ATTEMPTS", "2", NULL};
    config = config_from(once);
    assert_true(connect_wait_plan(&config, CONNECT_WAIT_LISTED, 20000, 1).retry);
}

static void the_deadline_bounds_the_budget(void **state)
{
    (void)state;
    static const char *const deadline[] = {"TRYAGAIN_JITTER", "none", "TRYAGAIN_DEADLINE_MS",
                                           "1000", NULL};
    struct tryagain_config config = config_from(deadline);
    assert_int_equal(connect_wait_budget_ms(&config, CONNECT_WAIT_LISTED), 1000);
    struct retry_plan plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 990, 1);
    assert_true(plan.retry);
    assert_int_equal(plan.wait_ms, 10);
    plan = connect_wait_plan(&config, CONNECT_WAIT_LISTED, 1000, 1);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_DEADLINE);
}

static void jittered_polls_stay_in_the_upper_half(void **state)
{
    (void)state;
    struct tryagain_config config = config_from(NULL);
    for(uint64_t random = 1; random < 1000000; random += 99991) {
        struct retry_plan plan =
            connect_wait_plan(&config, CONNECT_WAIT_LISTED, 1000, random * 0x9E3779B97F4A7C15ULL);
        assert_true(plan.wait_ms >= 75 && plan.wait_ms <= 150);
    }
}

static void describes_a_listed_name_with_its_address(void **state)
{
    (void)state;
    static const char *const named[] = {"TRYAGAIN_CONNECT_TO", "DB.:5432", NULL};
    struct tryagain_config config = config_from(named);
    struct sockaddr_in address = loopback_v4(5432);
    char text[128];
    connect_describe_listed(&config.connect_to.rule[0], (struct sockaddr *)&address,
                            sizeof(address), text, sizeof(text));
    assert_string_equal(text, "db:5432 (127.0.0.1)");
    connect_describe_listed(NULL, (struct sockaddr *)&address, sizeof(address), text, sizeof(text));
    assert_string_equal(text, "127.0.0.1:5432");
}

static void restores_only_bindings_the_program_made(void **state)
{
    (void)state;
    struct sockaddr_in bound = loopback_v4(40000);
    assert_true(connect_binding_needs_restoring((struct sockaddr *)&bound, sizeof(bound), false));
    assert_false(connect_binding_needs_restoring((struct sockaddr *)&bound, sizeof(bound), true));
    struct sockaddr_in wildcard = loopback_v4(40000);
    wildcard.sin_addr.s_addr = htonl(INADDR_ANY);
    assert_false(
        connect_binding_needs_restoring((struct sockaddr *)&wildcard, sizeof(wildcard), false));
    struct sockaddr_in no_port = loopback_v4(0);
    assert_false(
        connect_binding_needs_restoring((struct sockaddr *)&no_port, sizeof(no_port), false));
    struct sockaddr_in6 v6;
    memset(&v6, 0, sizeof(v6));
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(40000);
    assert_false(connect_binding_needs_restoring((struct sockaddr *)&v6, sizeof(v6), false));
    v6.sin6_addr = in6addr_loopback;
    assert_true(connect_binding_needs_restoring((struct sockaddr *)&v6, sizeof(v6), false));
    socklen_t length;
    struct sockaddr_un un = unix_path("/tmp/client.sock", &length);
    assert_false(connect_binding_needs_restoring((struct sockaddr *)&un, length, false));
    assert_false(connect_binding_needs_restoring(NULL, 0, false));
}

static void describes_inet_targets(void **state)
{
    (void)state;
    char buffer[128];
    struct sockaddr_in v4 = loopback_v4(5432);
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&v4, sizeof(v4), buffer, sizeof(buffer)),
        "127.0.0.1:5432");
    struct sockaddr_in6 v6;
    memset(&v6, 0, sizeof(v6));
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(80);
    v6.sin6_addr = in6addr_loopback;
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&v6, sizeof(v6), buffer, sizeof(buffer)),
        "[::1]:80");
}

static void describes_unix_targets(void **state)
{
    (void)state;
    char buffer[128];
    socklen_t length;
    struct sockaddr_un un = unix_path("/run/app.sock", &length);
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&un, length, buffer, sizeof(buffer)),
        "/run/app.sock");
    memcpy(un.sun_path, "\0hidden\n", 8);
    length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 8);
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&un, length, buffer, sizeof(buffer)),
        "@hidden?");
    length = (socklen_t)offsetof(struct sockaddr_un, sun_path);
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&un, length, buffer, sizeof(buffer)),
        "(unnamed)");
}

static void describes_odd_targets_without_reading_past_them(void **state)
{
    (void)state;
    char buffer[128];
    struct sockaddr_in v4 = loopback_v4(1);
    assert_string_equal(connect_describe_target((struct sockaddr *)&v4, 4, buffer, sizeof(buffer)),
                        "(address family 2)");
    assert_string_equal(connect_describe_target(NULL, 0, buffer, sizeof(buffer)), "(no address)");
    char small[6];
    assert_string_equal(
        connect_describe_target((struct sockaddr *)&v4, sizeof(v4), small, sizeof(small)), "127.0");
}

static void errno_words_name_the_constant(void **state)
{
    (void)state;
    char buffer[32];
    assert_string_equal(connect_errno_text(ECONNREFUSED, buffer, sizeof(buffer)),
                        "Connection refused (ECONNREFUSED)");
    assert_string_equal(connect_errno_text(ENOENT, buffer, sizeof(buffer)),
                        "No such file or directory (ENOENT)");
    assert_string_equal(connect_errno_text(4242, buffer, sizeof(buffer)), "errno 4242");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(candidates_are_the_union_of_both_lists),
        cmocka_unit_test(families_map_to_kinds),
        cmocka_unit_test(tcp_retries_refused_unreachable_and_timed_out),
        cmocka_unit_test(unix_retries_missing_refused_and_full),
        cmocka_unit_test(default_config_retries_blocking_tcp_only),
        cmocka_unit_test(nonblocking_and_datagram_sockets_are_left_alone),
        cmocka_unit_test(off_and_single_attempt_mean_pass_through),
        cmocka_unit_test(unix_only_leaves_tcp_alone),
        cmocka_unit_test(other_families_and_missing_addresses_are_left_alone),
        cmocka_unit_test(the_destination_filter_decides_last),
        cmocka_unit_test(listed_servers_wait_blocking_or_not_and_others_never),
        cmocka_unit_test(a_name_matches_only_the_addresses_it_resolved_to_and_waits_on_the_last),
        cmocka_unit_test(nothing_listed_means_a_short_wait_for_blocking_tcp),
        cmocka_unit_test(polls_promptly_and_ends_on_the_budget),
        cmocka_unit_test(the_deadline_bounds_the_budget),
        cmocka_unit_test(jittered_polls_stay_in_the_upper_half),
        cmocka_unit_test(describes_a_listed_name_with_its_address),
        cmocka_unit_test(restores_only_bindings_the_program_made),
        cmocka_unit_test(describes_inet_targets),
        cmocka_unit_test(describes_unix_targets),
        cmocka_unit_test(describes_odd_targets_without_reading_past_them),
        cmocka_unit_test(errno_words_name_the_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
