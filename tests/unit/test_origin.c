/* The origin coordination keys its state by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/origin.h"

static void assert_origin(const char *url, const char *expected)
{
    char out[ORIGIN_MAX];
    assert_true(origin_of_url(url, out, sizeof(out)));
    assert_string_equal(out, expected);
}

static void origins_are_scheme_host_and_port(void **state)
{
    (void)state;
    assert_origin("https://API.Example.com/v1?q=1", "https://api.example.com:443");
    assert_origin("http://user:pw@example.com:8080/x", "http://example.com:8080");
    assert_origin("example.com/path", "http://example.com:80");
    assert_origin("http://[::1]:9000/", "http://[::1]:9000");
    char out[ORIGIN_MAX];
    assert_false(origin_of_url("http:///nohost", out, sizeof(out)));
    assert_false(origin_of_url(NULL, out, sizeof(out)));
}

static void an_origin_that_does_not_fit_or_holds_a_control_byte_is_none(void **state)
{
    (void)state;
    assert_origin("ftp://Files.example:21/a", "ftp://files.example:21");
    char exact[sizeof("http://ab:80")];
    assert_true(origin_of_url("http://ab/", exact, sizeof(exact)));
    assert_string_equal(exact, "http://ab:80");
    char short_by_one[sizeof("http://ab:80") - 1];
    assert_false(origin_of_url("http://ab/", short_by_one, sizeof(short_by_one)));
    char out[ORIGIN_MAX];
    char long_url[200] = "http://";
    memset(long_url + 7, 'a', 150);
    long_url[157] = '\0';
    assert_false(origin_of_url(long_url, out, sizeof(out)));
    assert_false(origin_of_url("http://a\tb/", out, sizeof(out)));
}

static void hashes_never_mark_a_free_or_claimed_slot(void **state)
{
    (void)state;
    assert_true(origin_hash("") > 1);
    assert_true(origin_hash("http://a:80") != origin_hash("http://a:81"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(origins_are_scheme_host_and_port),
        cmocka_unit_test(an_origin_that_does_not_fit_or_holds_a_control_byte_is_none),
        cmocka_unit_test(hashes_never_mark_a_free_or_claimed_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
