/* Fallback hosts: the map, which URL has a fallback, the rewritten URL, when to switch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/fallback.h"

static struct fallback_map map;

static void parse_ok(const char *text)
{
    if(!fallback_parse(text, &map))
        fail_msg("\"%s\" did not parse", text);
}

static void parses_pairs_with_and_without_ports(void **state)
{
    (void)state;
    parse_ok("api.example.com=api-eu.example.com, deb.example.org=mirror.example.net:8080");
    assert_int_equal(map.count, 2);
    assert_string_equal(map.entries[0].from.name, "api.example.com");
    assert_int_equal(map.entries[0].from.port, 0);
    assert_int_equal(map.entries[1].to.port, 8080);
    parse_ok("[::1]:8080=127.0.0.1:9090");
    assert_string_equal(map.entries[0].from.name, "[::1]");
    parse_ok("API.Example.COM=b");
    assert_string_equal(map.entries[0].from.name, "api.example.com");
    parse_ok("");
    assert_int_equal(map.count, 0);
}

static void refuses_malformed_maps(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "a",   "a=",      "=b",    "a=b,",   "a=b,,c=d", "a:0=b", "a:65536=b",   "a=b:x", "a b=c",
        "a=a", "a=b,a=c", "a=b=c", "[::1=b", "a/x=b",    "a=b:",  "a=b:1234567", "[]=b",
    };
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if(fallback_parse(bad[i], &map))
            fail_msg("\"%s\" parsed", bad[i]);
        assert_int_equal(map.count, 0);
    }
    char many[1024] = "";
    for(int i = 0; i <= FALLBACK_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sh%d=f%d", i ? "," : "", i, i);
    assert_false(fallback_parse(many, &map));
}

static void finds_the_entry_by_host_and_port(void **state)
{
    (void)state;
    parse_ok("api.example.com=eu.example.com,127.0.0.1:8080=127.0.0.1:9090,"
             "secure.example.com:443=backup.example.com");
    assert_ptr_equal(fallback_find(&map, "https://api.example.com/v1"), &map.entries[0]);
    assert_ptr_equal(fallback_find(&map, "http://user:pw@API.example.com:81/"), &map.entries[0]);
    assert_ptr_equal(fallback_find(&map, "api.example.com/path"), &map.entries[0]);
    assert_ptr_equal(fallback_find(&map, "http://127.0.0.1:8080/x"), &map.entries[1]);
    assert_null(fallback_find(&map, "http://127.0.0.1:8081/x"));
    assert_null(fallback_find(&map, "http://127.0.0.1/x"));
    assert_ptr_equal(fallback_find(&map, "https://secure.example.com/"), &map.entries[2]);
    assert_null(fallback_find(&map, "http://secure.example.com/"));
    assert_null(fallback_find(&map, "ftp://api.example.com/"));
    assert_null(fallback_find(&map, "https://api.example.com.evil.org/"));
    assert_null(fallback_find(&map, NULL));
}

static const char *rewrite(const char *url, int entry)
{
    static char out[256];
    if(!fallback_rewrite(url, &map.entries[entry], out, sizeof(out)))
        return NULL;
    return out;
}

static void rewrites_only_the_host_and_port(void **state)
{
    (void)state;
    parse_ok("api.example.com=eu.example.com,a:1=b:2,c=[::1]:3");
    assert_string_equal(rewrite("https://api.example.com/v1/x?q=1#f", 0),
                        "https://eu.example.com/v1/x?q=1#f");
    assert_string_equal(rewrite("https://api.example.com:8443/v1", 0),
                        "https://eu.example.com:8443/v1");
    assert_string_equal(rewrite("http://u:p@api.example.com", 0), "http://u:p@eu.example.com");
    assert_string_equal(rewrite("api.example.com/path", 0), "eu.example.com/path");
    assert_string_equal(rewrite("http://a:1/x", 1), "http://b:2/x");
    assert_string_equal(rewrite("http://c/x", 2), "http://[::1]:3/x");
    assert_string_equal(rewrite("http://[fe80::1]:5/x", 1), "http://b:2/x");
    char small[8];
    assert_false(
        fallback_rewrite("https://api.example.com/", &map.entries[0], small, sizeof(small)));
    assert_null(rewrite("mailto:x", 0));
}

static void switches_after_failures_in_a_row(void **state)
{
    (void)state;
    int failures = 0;
    assert_false(fallback_due(&failures, 2, HOST_FAILED, true));
    assert_true(fallback_due(&failures, 2, HOST_FAILED, true));
    failures = 0;
    assert_false(fallback_due(&failures, 2, HOST_FAILED, true));
    assert_false(fallback_due(&failures, 2, HOST_FINE, true)); /* a recovery resets the count */
    assert_false(fallback_due(&failures, 2, HOST_FAILED, true));
    assert_true(fallback_due(&failures, 2, HOST_FAILED, true));
    failures = 0;
    assert_true(fallback_due(&failures, 1, HOST_FAILED, true));
}

static void a_wait_too_long_switches_at_once_but_never_without_attempts(void **state)
{
    (void)state;
    int failures = 0;
    assert_true(fallback_due(&failures, 5, HOST_WAIT_TOO_LONG, true));
    failures = 0;
    assert_false(fallback_due(&failures, 5, HOST_WAIT_TOO_LONG, false));
    failures = 1;
    assert_false(fallback_due(&failures, 2, HOST_FAILED, false));
}

static void the_host_text_names_the_port(void **state)
{
    (void)state;
    parse_ok("a=b:8080");
    char text[64];
    fallback_host_text(&map.entries[0].from, text, sizeof(text));
    assert_string_equal(text, "a");
    fallback_host_text(&map.entries[0].to, text, sizeof(text));
    assert_string_equal(text, "b:8080");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_pairs_with_and_without_ports),
        cmocka_unit_test(refuses_malformed_maps),
        cmocka_unit_test(finds_the_entry_by_host_and_port),
        cmocka_unit_test(rewrites_only_the_host_and_port),
        cmocka_unit_test(switches_after_failures_in_a_row),
        cmocka_unit_test(a_wait_too_long_switches_at_once_but_never_without_attempts),
        cmocka_unit_test(the_host_text_names_the_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
