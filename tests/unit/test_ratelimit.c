/* Rate-limit headers of the APIs that send them, and the spacing they advise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/ratelimit.h"

#define NOW_MS 1714564800000LL /* 2024-05-01T12:00:00Z */

static struct ratelimit_info parse(const char *text)
{
    struct ratelimit_info info;
    assert_true(ratelimit_parse(text, strlen(text), NOW_MS, &info));
    return info;
}

static void ietf_structured_fields(void **state)
{
    (void)state;
    struct ratelimit_info info =
        parse("RateLimit-Policy: \"default\";q=100;w=60\nRateLimit: \"default\";r=5;t=2\n");
    assert_int_equal(info.limit, 100);
    assert_int_equal(info.window_ms, 60000);
    assert_int_equal(info.remaining, 5);
    assert_int_equal(info.reset_ms, 2000);
    /* 5 left in 2 s: one every third of a second (the reset gets a share too). */
    assert_int_equal(ratelimit_interval_us(&info), 2000000 / 6);
}

static void older_ietf_drafts(void **state)
{
    (void)state;
    struct ratelimit_info info = parse("RateLimit-Limit: 10\nRateLimit-Remaining: 1\n"
                                       "RateLimit-Reset: 3\n");
    assert_int_equal(info.limit, 10);
    assert_int_equal(info.remaining, 1);
    assert_int_equal(info.reset_ms, 3000);
    info = parse("ratelimit: limit=100, remaining=0, reset=4");
    assert_int_equal(info.remaining, 0);
    assert_int_equal(ratelimit_interval_us(&info), 4000000);
}

static void github_resets_at_an_epoch_second(void **state)
{
    (void)state;
    struct ratelimit_info info = parse("x-ratelimit-limit: 60\nx-ratelimit-remaining: 3\n"
                                       "x-ratelimit-reset: 1714564830\n");
    assert_int_equal(info.reset_ms, 30000);
    assert_int_equal(ratelimit_interval_us(&info), 30000000 / 4);
}

static void openai_durations(void **state)
{
    (void)state;
    struct ratelimit_info info =
        parse("x-ratelimit-limit-requests: 500\nx-ratelimit-remaining-requests: 10\n"
              "x-ratelimit-reset-requests: 1m0.5s\nx-ratelimit-remaining-tokens: 0\n");
    assert_int_equal(info.limit, 500);
    assert_int_equal(info.remaining, 10);
    assert_int_equal(info.reset_ms, 60500);
    long ms;
    assert_true(ratelimit_parse_duration("20ms", 4, &ms));
    assert_int_equal(ms, 20);
    assert_true(ratelimit_parse_duration("6m0s", 4, &ms));
    assert_int_equal(ms, 360000);
    assert_false(ratelimit_parse_duration("abc", 3, &ms));
    assert_false(ratelimit_parse_duration("", 0, &ms));
}

static void anthropic_rfc3339_times(void **state)
{
    (void)state;
    struct ratelimit_info info =
        parse("anthropic-ratelimit-requests-limit: 50\n"
              "anthropic-ratelimit-requests-remaining: 2\n"
              "anthropic-ratelimit-requests-reset: 2024-05-01T12:00:06Z\n");
    assert_int_equal(info.reset_ms, 6000);
    assert_int_equal(ratelimit_interval_us(&info), 2000000);
    long long when;
    assert_true(ratelimit_parse_time("1970-01-01T00:00:01.5Z", 22, &when));
    assert_int_equal(when, 1500);
    assert_false(ratelimit_parse_time("2024-05-01 12:00:06", 19, &when));
}

static void plenty_left_advises_nothing(void **state)
{
    (void)state;
    struct ratelimit_info info = parse("RateLimit-Limit: 100\nRateLimit-Remaining: 50\n"
                                       "RateLimit-Reset: 30\n");
    assert_int_equal(ratelimit_interval_us(&info), 0);
    struct ratelimit_info none;
    assert_false(ratelimit_parse("x-request-id: 7\n", 16, NOW_MS, &none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ietf_structured_fields),
        cmocka_unit_test(older_ietf_drafts),
        cmocka_unit_test(github_resets_at_an_epoch_second),
        cmocka_unit_test(openai_durations),
        cmocka_unit_test(anthropic_rfc3339_times),
        cmocka_unit_test(plenty_left_advises_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
