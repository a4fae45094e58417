/* url_split, url_is_http and url_redact: what decisions and log lines see of a URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/url.h"

static void assert_split(const char *url, const char *scheme, const char *host)
{
    struct url_parts parts;
    if(!url_split(url, &parts))
        fail_msg("\"%s\" did not split", url);
    if(parts.scheme_len != strlen(scheme) || strncmp(parts.scheme, scheme, parts.scheme_len))
        fail_msg("\"%s\": scheme \"%.*s\", wanted \"%s\"", url, (int)parts.scheme_len, parts.scheme,
                 scheme);
    if(parts.host_len != strlen(host) || strncmp(parts.host, host, parts.host_len))
        fail_msg("\"%s\": host \"%.*s\", wanted \"%s\"", url, (int)parts.host_len, parts.host,
                 host);
}

static void split_finds_scheme_and_host(void **state)
{
    (void)state;
    assert_split("http://example.com", "http", "example.com");
    assert_split("https://api.example.com/v1/items?x=1", "https", "api.example.com");
    assert_split("HTTPS://Example.COM/", "HTTPS", "Example.COM");
    assert_split("ftp://files.example.net/pub", "ftp", "files.example.net");
    assert_split("http://example.com?x=1", "http", "example.com");
    assert_split("http://example.com#top", "http", "example.com");
}

static void split_drops_the_port(void **state)
{
    (void)state;
    assert_split("http://127.0.0.1:8080/path", "http", "127.0.0.1");
    assert_split("https://example.com:443", "https", "example.com");
}

static void split_reads_ipv6_inside_brackets(void **state)
{
    (void)state;
    assert_split("http://[::1]/", "http", "::1");
    assert_split("http://[::1]:8080/x", "http", "::1");
    assert_split("https://[2001:db8::7]:443", "https", "2001:db8::7");
    assert_split("http://user:pw@[fe80::1]:80/", "http", "fe80::1");
}

static void split_skips_the_userinfo(void **state)
{
    (void)state;
    assert_split("http://user:secret@example.com/", "http", "example.com");
    assert_split("http://user@example.com:81", "http", "example.com");
    assert_split("http://a@b@example.com/", "http", "example.com");
}

static void split_reads_a_schemeless_url_as_http(void **state)
{
    (void)state;
    assert_split("example.com/path", "http", "example.com");
    assert_split("example.com", "http", "example.com");
    assert_split("localhost:8080/x", "http", "localhost");
    assert_split("user:pw@example.com/", "http", "example.com");
}

static void split_rejects_urls_without_a_host(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "http://", "http:///path", "http://[::1", "http://[]/", "http://user@/", "http://:80/", ""};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct url_parts parts;
        if(url_split(bad[i], &parts))
            fail_msg("\"%s\" was split", bad[i]);
    }
}

static void only_http_and_https_are_http(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        bool http;
    } cases[] = {
        {"http://a/", true},   {"https://a/", true}, {"HTTP://a/", true},   {"HttpS://a/", true},
        {"a/", true},          {"ftp://a/", false},  {"httpx://a/", false}, {"htt://a/", false},
        {"file://a/x", false}, {"ws://a/", false},   {"sftp://a/", false},  {"https+x://a/", false},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct url_parts parts;
        assert_true(url_split(cases[i].url, &parts));
        if(url_is_http(&parts) != cases[i].http)
            fail_msg("\"%s\"", cases[i].url);
    }
}

/* The one-pass answer, on the URLs it takes itself and on those it hands to url_split. */
static void http_with_host_agrees_with_split(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        bool expected;
    } cases[] = {
        {"http://127.0.0.1:8080/x?y#z", true},
        {"https://a", true},
        {"http://a?q", true},
        {"http://a#f", true},
        {"http://[::1]:80/", true},
        {"http://u:p@a/", true},
        {"HTTP://a/", true},
        {"a.example/path", true},
        {"http://", false},
        {"http:///path", false},
        {"http://:80/", false},
        {"http://user@/", false},
        {"http://[::1", false},
        {"ftp://a/", false},
        {"httpx://a/", false},
        {"", false},
        {"h", true},
        {"http:/a", true}, /* no "//": scheme-less, the host "http" */
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct url_parts parts;
        bool split = url_split(cases[i].url, &parts) && url_is_http(&parts);
        if(split != cases[i].expected || url_is_http_with_host(cases[i].url) != split)
            fail_msg("\"%s\": split says %d, one pass %d, expected %d", cases[i].url, split,
                     url_is_http_with_host(cases[i].url), cases[i].expected);
    }
}

static void assert_redacted(const char *url, const char *expected)
{
    char buffer[512];
    memset(buffer, 'Z', sizeof(buffer));
    url_redact(url, buffer, sizeof(buffer));
    assert_string_equal(buffer, expected);
}

static void redact_keeps_a_plain_url(void **state)
{
    (void)state;
    assert_redacted("https://example.com/a/b.json", "https://example.com/a/b.json");
    assert_redacted("http://[::1]:8080/", "http://[::1]:8080/");
    assert_redacted("example.com/x", "example.com/x");
    assert_redacted("", "");
}

static void redact_hides_user_and_password(void **state)
{
    (void)state;
    assert_redacted("https://user:hunter2@example.com/p", "https://REDACTED@example.com/p");
    assert_redacted("http://token@example.com:81", "http://REDACTED@example.com:81");
    assert_redacted("user:hunter2@example.com/", "REDACTED@example.com/");
    assert_redacted("http://a:b@c@example.com/", "http://REDACTED@example.com/");
}

static void redact_hides_every_query_value(void **state)
{
    (void)state;
    assert_redacted("https://example.com/p?token=abc&page=2",
                    "https://example.com/p?token=REDACTED&page=REDACTED");
    assert_redacted("https://example.com/?a=", "https://example.com/?a=REDACTED");
    assert_redacted("https://example.com/?a=1=2", "https://example.com/?a=REDACTED");
    assert_redacted("https://example.com/?", "https://example.com/?");
}

static void redact_hides_bare_query_items(void **state)
{
    (void)state;
    assert_redacted("https://example.com/?sekrit", "https://example.com/?REDACTED");
    assert_redacted("https://example.com/?a=1&sekrit&&b=2",
                    "https://example.com/?a=REDACTED&REDACTED&&b=REDACTED");
}

static void redact_hides_the_fragment(void **state)
{
    (void)state;
    assert_redacted("https://example.com/p#access_token=xyz", "https://example.com/p#REDACTED");
    assert_redacted("https://example.com/p?q=1#frag", "https://example.com/p?q=REDACTED#REDACTED");
    assert_redacted("https://example.com#f", "https://example.com#REDACTED");
}

static void redact_hides_everything_at_once(void **state)
{
    (void)state;
    const char *url = "https://bob:pa55word@api.example.com:8443/v1/x?key=K3Y&sig=S1G#T0K";
    char buffer[512];
    url_redact(url, buffer, sizeof(buffer));
    assert_string_equal(buffer,
                        "https://REDACTED@api.example.com:8443/v1/x?key=REDACTED&sig=REDACTED"
                        "#REDACTED");
    static const char *const secrets[] = {"bob", "pa55word", "K3Y", "S1G", "T0K"};
    for(size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        assert_null(strstr(buffer, secrets[i]));
}

static void redact_replaces_control_characters_and_quotes(void **state)
{
    (void)state;
    assert_redacted("http://example.com/a\nb\rc\td\x7f"
                    "e\x01",
                    "http://example.com/a?b?c?d?e?");
    assert_redacted("http://example.com/\"q\\", "http://example.com/?q?");
    /* Bytes above 0x7f (UTF-8) are left as they are. */
    assert_redacted("http://example.com/caf\xc3\xa9", "http://example.com/caf\xc3\xa9");
}

static void redact_truncates_with_dots_in_a_small_buffer(void **state)
{
    (void)state;
    const char *url = "https://example.com/a/very/long/path";
    for(size_t size = 8; size < 60; size++) {
        char buffer[64];
        memset(buffer, 'Z', sizeof(buffer));
        url_redact(url, buffer, size);
        size_t length = strlen(buffer);
        assert_true(length < size);
        assert_int_equal(buffer[size], 'Z'); /* nothing written past the end */
        if(strlen(url) < size - 3) {
            assert_string_equal(buffer, url);
        }
        else {
            assert_true(length >= 3);
            assert_string_equal(buffer + length - 3, "...");
            assert_memory_equal(buffer, url, length - 3);
        }
    }
}

static void redact_never_leaks_a_secret_when_truncating(void **state)
{
    (void)state;
    const char *url = "https://user:topsecret@example.com/?k=topsecret#topsecret";
    for(size_t size = 1; size < 80; size++) {
        char buffer[96];
        memset(buffer, 'Z', sizeof(buffer));
        url_redact(url, buffer, size);
        assert_true(strlen(buffer) < size);
        assert_null(strstr(buffer, "top"));
        assert_null(strstr(buffer, "user"));
    }
}

static void redact_with_a_tiny_buffer_writes_an_empty_string(void **state)
{
    (void)state;
    char buffer[8];
    memset(buffer, 'Z', sizeof(buffer));
    url_redact("https://example.com/", buffer, 0);
    assert_int_equal(buffer[0], 'Z');
    for(size_t size = 1; size < 8; size++) {
        url_redact("https://example.com/", buffer, size);
        assert_string_equal(buffer, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_finds_scheme_and_host),
        cmocka_unit_test(split_drops_the_port),
        cmocka_unit_test(split_reads_ipv6_inside_brackets),
        cmocka_unit_test(split_skips_the_userinfo),
        cmocka_unit_test(split_reads_a_schemeless_url_as_http),
        cmocka_unit_test(split_rejects_urls_without_a_host),
        cmocka_unit_test(only_http_and_https_are_http),
        cmocka_unit_test(http_with_host_agrees_with_split),
        cmocka_unit_test(redact_keeps_a_plain_url),
        cmocka_unit_test(redact_hides_user_and_password),
        cmocka_unit_test(redact_hides_every_query_value),
        cmocka_unit_test(redact_hides_bare_query_items),
        cmocka_unit_test(redact_hides_the_fragment),
        cmocka_unit_test(redact_hides_everything_at_once),
        cmocka_unit_test(redact_replaces_control_characters_and_quotes),
        cmocka_unit_test(redact_truncates_with_dots_in_a_small_buffer),
        cmocka_unit_test(redact_never_leaks_a_secret_when_truncating),
        cmocka_unit_test(redact_with_a_tiny_buffer_writes_an_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
