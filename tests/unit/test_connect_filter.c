/* TRYAGAIN_CONNECT_TO: what users can write, what is refused, and which destinations match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "policy/connect_filter.h"

static struct sockaddr_in ipv4(const char *address, int port)
{
    struct sockaddr_in out;
    memset(&out, 0, sizeof(out));
    out.sin_family = AF_INET;
    out.sin_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET, address, &out.sin_addr), 1);
    return out;
}

static struct sockaddr_in6 ipv6(const char *address, int port)
{
    struct sockaddr_in6 out;
    memset(&out, 0, sizeof(out));
    out.sin6_family = AF_INET6;
    out.sin6_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET6, address, &out.sin6_addr), 1);
    return out;
}

static bool matches_v4(const struct connect_filter *filter, const char *address, int port)
{
    struct sockaddr_in a = ipv4(address, port);
    return connect_filter_match(filter, (struct sockaddr *)&a, sizeof(a));
}

static bool matches_v6(const struct connect_filter *filter, const char *address, int port)
{
    struct sockaddr_in6 a = ipv6(address, port);
    return connect_filter_match(filter, (struct sockaddr *)&a, sizeof(a));
}

static bool matches_path(const struct connect_filter *filter, const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
    socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    return connect_filter_match(filter, (struct sockaddr *)&a, length);
}

static struct connect_filter parsed(const char *text)
{
    struct connect_filter filter;
    assert_true(connect_filter_parse(text, &filter));
    return filter;
}

static void parses_every_documented_form(void **state)
{
    (void)state;
    struct connect_filter f =
        parsed("127.0.0.1:5432,:6379,[::1]:80,localhost:8080,/run/app.sock,10.0.0.1,[fe80::2]");
    assert_int_equal(f.count, 7);
    assert_int_equal(f.rule[0].kind, RULE_IPV4);
    assert_int_equal(f.rule[0].port, 5432);
    assert_int_equal(f.rule[1].kind, RULE_ANY_ADDRESS);
    assert_int_equal(f.rule[1].port, 6379);
    assert_int_equal(f.rule[2].kind, RULE_IPV6);
    assert_int_equal(f.rule[2].port, 80);
    assert_int_equal(f.rule[3].kind, RULE_LOCALHOST);
    assert_int_equal(f.rule[3].port, 8080);
    assert_int_equal(f.rule[4].kind, RULE_UNIX_PATH);
    assert_string_equal(f.rule[4].path, "/run/app.sock");
    assert_int_equal(f.rule[5].kind, RULE_IPV4);
    assert_int_equal(f.rule[5].port, 0);
    assert_int_equal(f.rule[6].kind, RULE_IPV6);
    assert_int_equal(f.rule[6].port, 0);
}

static void empty_text_means_every_destination(void **state)
{
    (void)state;
    struct connect_filter f = parsed("");
    assert_int_equal(f.count, 0);
    assert_true(matches_v4(&f, "192.0.2.1", 1));
    assert_true(matches_path(&f, "/anything"));
}

static void spaces_around_items_are_ignored(void **state)
{
    (void)state;
    struct connect_filter f = parsed(" 127.0.0.1:5432 , :6379 ");
    assert_int_equal(f.count, 2);
    assert_true(matches_v4(&f, "127.0.0.1", 5432));
    assert_true(matches_v4(&f, "8.8.8.8", 6379));
}

static void refuses_malformed_lists(void **state)
{
    (void)state;
    static const char *const bad[] = {
        ",",
        "127.0.0.1:5432,",
        ",:80",
        "a,,b",
        "127.0.0.1:",
        ":",
        ":0",
        ":65536",
        ":123456",
        ":80x",
        "1.2.3:80",
        "300.1.1.1",
        "exa mple.com:80",
        "-db:80",
        "a..b:80",
        "db..:80",
        ".db",
        "db/x:80",
        "db:0",
        "1.2.3.4.5",
        "::1",
        "::1:80",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[]:80",
        "[127.0.0.1]:80",
        "localhost:",
        " , ",
        "127.0.0.1:-1",
    };
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct connect_filter f;
        if(connect_filter_parse(bad[i], &f))
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void host_names_are_rules_matched_through_resolution(void **state)
{
    (void)state;
    struct connect_filter f = parsed("db:5432,Cache.Internal.,LOCALHOST:6379,redis_1");
    assert_int_equal(f.rule[0].kind, RULE_NAME);
    assert_string_equal(f.rule[0].name, "db");
    assert_int_equal(f.rule[0].port, 5432);
    assert_string_equal(f.rule[1].name, "cache.internal");
    assert_int_equal(f.rule[1].port, 0);
    assert_int_equal(f.rule[2].kind, RULE_LOCALHOST);
    assert_int_equal(f.rule[3].kind, RULE_NAME);
    assert_int_equal(f.name_rules, 0xf);
    assert_int_equal(connect_filter_rules_of_name(&f, "DB."), 1);
    assert_int_equal(connect_filter_rules_of_name(&f, "cache.internal"), 2);
    assert_int_equal(connect_filter_rules_of_name(&f, "localhost"), 4);
    assert_int_equal(connect_filter_rules_of_name(&f, "dbx"), 0);
    assert_int_equal(connect_filter_rules_of_name(&f, NULL), 0);
    /* connect() sees no names: an address matches a name rule only as resolved from it. */
    struct sockaddr_in a = ipv4("10.0.0.5", 5432);
    assert_false(connect_filter_match(&f, (struct sockaddr *)&a, sizeof(a)));
    assert_int_equal(connect_filter_find(&f, (struct sockaddr *)&a, sizeof(a), 0), -1);
    assert_int_equal(connect_filter_find(&f, (struct sockaddr *)&a, sizeof(a), 1), 0);
    struct sockaddr_in b = ipv4("10.0.0.5", 5433);
    assert_int_equal(connect_filter_find(&f, (struct sockaddr *)&b, sizeof(b), 1), -1);
    assert_int_equal(connect_filter_find(&f, (struct sockaddr *)&b, sizeof(b), 2), 1);

    struct connect_filter ports = parsed("db:5432,127.0.0.1");
    assert_true(connect_filter_names_may_match_port(&ports, 5432));
    assert_false(connect_filter_names_may_match_port(&ports, 80));
    struct connect_filter numeric = parsed("127.0.0.1:5432");
    assert_false(connect_filter_names_may_match_port(&numeric, 5432));
}

static void refuses_a_path_longer_than_sun_path(void **state)
{
    (void)state;
    char path[CONNECT_FILTER_PATH_MAX + 2];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    struct connect_filter f;
    assert_false(connect_filter_parse(path, &f));
    path[CONNECT_FILTER_PATH_MAX - 1] = '\0'; /* 107 bytes: the longest that fits */
    assert_true(connect_filter_parse(path, &f));
}

static void refuses_more_than_the_maximum_entries(void **state)
{
    (void)state;
    char text[CONNECT_FILTER_MAX * 8 + 16] = "";
    for(int i = 0; i < CONNECT_FILTER_MAX; i++)
        strcat(text, i ? ",:1000" : ":1000");
    struct connect_filter f;
    assert_true(connect_filter_parse(text, &f));
    assert_int_equal(f.count, CONNECT_FILTER_MAX);
    strcat(text, ",:1000");
    assert_false(connect_filter_parse(text, &f));
}

static void a_failed_parse_leaves_the_output_alone(void **state)
{
    (void)state;
    struct connect_filter f = parsed(":6379");
    assert_false(connect_filter_parse(":6379,non$ense", &f));
    assert_int_equal(f.count, 1);
    assert_int_equal(f.rule[0].port, 6379);
}

static void ipv4_rules_match_address_and_port(void **state)
{
    (void)state;
    struct connect_filter f = parsed("127.0.0.1:5432,10.0.0.7");
    assert_true(matches_v4(&f, "127.0.0.1", 5432));
    assert_false(matches_v4(&f, "127.0.0.1", 5433));
    assert_false(matches_v4(&f, "127.0.0.2", 5432));
    assert_true(matches_v4(&f, "10.0.0.7", 1));
    assert_true(matches_v4(&f, "10.0.0.7", 65535));
    assert_false(matches_v6(&f, "::1", 5432));
}

static void ipv6_rules_match_address_and_port(void **state)
{
    (void)state;
    struct connect_filter f = parsed("[::1]:80,[2001:db8::5]");
    assert_true(matches_v6(&f, "::1", 80));
    assert_false(matches_v6(&f, "::1", 81));
    assert_true(matches_v6(&f, "2001:db8::5", 443));
    assert_false(matches_v6(&f, "2001:db8::6", 443));
    assert_false(matches_v4(&f, "127.0.0.1", 80));
}

static void port_rules_match_any_address_of_either_family(void **state)
{
    (void)state;
    struct connect_filter f = parsed(":6379");
    assert_true(matches_v4(&f, "192.0.2.9", 6379));
    assert_true(matches_v6(&f, "2001:db8::1", 6379));
    assert_false(matches_v4(&f, "192.0.2.9", 6380));
    assert_false(matches_path(&f, "/run/redis.sock"));
}

static void localhost_means_the_loopback_of_both_families(void **state)
{
    (void)state;
    struct connect_filter f = parsed("localhost:8080");
    assert_true(matches_v4(&f, "127.0.0.1", 8080));
    assert_true(matches_v4(&f, "127.1.2.3", 8080));
    assert_true(matches_v6(&f, "::1", 8080));
    assert_false(matches_v6(&f, "::2", 8080));
    assert_false(matches_v4(&f, "128.0.0.1", 8080));
    assert_false(matches_v4(&f, "127.0.0.1", 8081));
    struct connect_filter upper = parsed("LocalHost");
    assert_true(matches_v4(&upper, "127.0.0.1", 1));
}

static void mapped_ipv4_addresses_match_ipv4_rules(void **state)
{
    (void)state;
    struct connect_filter f = parsed("127.0.0.1:5432,localhost:80");
    assert_true(matches_v6(&f, "::ffff:127.0.0.1", 5432));
    assert_true(matches_v6(&f, "::ffff:127.0.0.9", 80));
    assert_false(matches_v6(&f, "::ffff:127.0.0.2", 5432));
    assert_false(matches_v6(&f, "::ffff:10.0.0.1", 80));
}

static void unix_rules_match_the_whole_path(void **state)
{
    (void)state;
    struct connect_filter f = parsed("/run/app.sock");
    assert_true(matches_path(&f, "/run/app.sock"));
    assert_false(matches_path(&f, "/run/app.sock2"));
    assert_false(matches_path(&f, "/run/app.soc"));
    assert_false(matches_path(&f, "/run"));
    assert_false(matches_v4(&f, "127.0.0.1", 80));
}

static void unix_paths_without_a_terminator_match_by_length(void **state)
{
    (void)state;
    struct connect_filter f = parsed("/tmp/s");
    struct sockaddr_un a;
    memset(&a, 'x', sizeof(a));
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, "/tmp/s", 6);
    socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 6);
    assert_true(connect_filter_match(&f, (struct sockaddr *)&a, length));
    assert_false(connect_filter_match(&f, (struct sockaddr *)&a, length + 1));
}

static void abstract_and_unnamed_unix_addresses_never_match_paths(void **state)
{
    (void)state;
    struct connect_filter f = parsed("/x");
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, "\0/x", 3);
    socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 3);
    assert_false(connect_filter_match(&f, (struct sockaddr *)&a, length));
    length = (socklen_t)offsetof(struct sockaddr_un, sun_path);
    assert_false(connect_filter_match(&f, (struct sockaddr *)&a, length));
}

static void short_addresses_never_match(void **state)
{
    (void)state;
    struct connect_filter f = parsed(":80,[::1]:80");
    struct sockaddr_in v4 = ipv4("127.0.0.1", 80);
    assert_false(connect_filter_match(&f, (struct sockaddr *)&v4, sizeof(v4) - 1));
    struct sockaddr_in6 v6 = ipv6("::1", 80);
    assert_false(connect_filter_match(&f, (struct sockaddr *)&v6, sizeof(v6) - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_documented_form),
        cmocka_unit_test(empty_text_means_every_destination),
        cmocka_unit_test(spaces_around_items_are_ignored),
        cmocka_unit_test(refuses_malformed_lists),
        cmocka_unit_test(host_names_are_rules_matched_through_resolution),
        cmocka_unit_test(refuses_a_path_longer_than_sun_path),
        cmocka_unit_test(refuses_more_than_the_maximum_entries),
        cmocka_unit_test(a_failed_parse_leaves_the_output_alone),
        cmocka_unit_test(ipv4_rules_match_address_and_port),
        cmocka_unit_test(ipv6_rules_match_address_and_port),
        cmocka_unit_test(port_rules_match_any_address_of_either_family),
        cmocka_unit_test(localhost_means_the_loopback_of_both_families),
        cmocka_unit_test(mapped_ipv4_addresses_match_ipv4_rules),
        cmocka_unit_test(unix_rules_match_the_whole_path),
        cmocka_unit_test(unix_paths_without_a_terminator_match_by_length),
        cmocka_unit_test(abstract_and_unnamed_unix_addresses_never_match_paths),
        cmocka_unit_test(short_addresses_never_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
