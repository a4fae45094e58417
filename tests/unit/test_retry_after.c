/* Retry-After: delta-seconds and the three HTTP-date forms, relative to a fixed clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy/retry_after.h"

/* Sun, 06 Nov 1994 08:49:37 GMT */
#define EXAMPLE_DATE ((time_t)784111777)

static bool parse(const char *text, time_t now, long *wait_ms)
{
    *wait_ms = -12345;
    return retry_after_parse(text, strlen(text), now, wait_ms);
}

static void assert_wait(const char *text, time_t now, long expected_ms)
{
    long wait_ms;
    if(!parse(text, now, &wait_ms))
        fail_msg("\"%s\" was rejected", text);
    assert_int_equal(wait_ms, expected_ms);
}

static void assert_rejected(const char *text, time_t now)
{
    long wait_ms;
    if(parse(text, now, &wait_ms))
        fail_msg("\"%s\" was accepted as %ld ms", text, wait_ms);
    assert_int_equal(wait_ms, -12345); /* left alone */
}

static void delta_seconds_become_milliseconds(void **state)
{
    (void)state;
    assert_wait("1", 0, 1000);
    assert_wait("7", 0, 7000);
    assert_wait("120", 0, 120000);
    assert_wait("3600", 0, 3600000);
    assert_wait("007", 0, 7000);
}

static void zero_seconds_means_no_wait(void **state)
{
    (void)state;
    assert_wait("0", 0, 0);
    assert_wait("000", 0, 0);
}

static void surrounding_whitespace_is_ignored(void **state)
{
    (void)state;
    assert_wait(" 5", 0, 5000);
    assert_wait("\t5 \t", 0, 5000);
    assert_wait("5\r\n", 0, 5000);
    assert_wait("  Sun, 06 Nov 1994 08:49:37 GMT\r\n", EXAMPLE_DATE - 2, 2000);
}

static void only_the_given_length_is_read(void **state)
{
    (void)state;
    const char *text = "12garbage";
    long wait_ms = 0;
    assert_true(retry_after_parse(text, 2, 0, &wait_ms));
    assert_int_equal(wait_ms, 12000);
    assert_false(retry_after_parse(text, 3, 0, &wait_ms));
}

static void huge_delta_seconds_saturate(void **state)
{
    (void)state;
    assert_wait("31536000", 0, RETRY_AFTER_SATURATED_MS);
    assert_wait("31536001", 0, RETRY_AFTER_SATURATED_MS);
    assert_wait("99999999999999999999", 0, RETRY_AFTER_SATURATED_MS);
    assert_wait("999999999999999999999999999999999999999999999999", 0, RETRY_AFTER_SATURATED_MS);
    assert_wait("31535999", 0, 31535999000L);
}

static void malformed_values_are_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    " ",   "-1",   "-0",   "+5",  "abc", "5s",
                                      "1.5", "5 6", "0x10", "Soon", "GMT", "\r\n"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_rejected(bad[i], 0);
}

static void imf_fixdate_counts_from_now(void **state)
{
    (void)state;
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_wait(date, EXAMPLE_DATE - 120, 120000);
    assert_wait(date, EXAMPLE_DATE - 1, 1000);
    assert_wait(date, EXAMPLE_DATE, 0);
    assert_wait("Thu, 01 Jan 1970 00:00:10 GMT", 0, 10000);
    assert_wait("Sat, 29 Feb 2020 23:59:59 GMT", (time_t)1583020799 - 30, 30000);
    assert_wait("Fri, 31 Dec 1999 23:59:59 GMT", (time_t)946684799 - 3600, 3600000);
}

static void the_month_name_ignores_case(void **state)
{
    (void)state;
    assert_wait("Sun, 06 NOV 1994 08:49:37 gmt", EXAMPLE_DATE - 5, 5000);
}

static void rfc850_dates_are_accepted(void **state)
{
    (void)state;
    assert_wait("Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE_DATE - 60, 60000);
    /* Two-digit years below 70 are read as 20xx. */
    assert_wait("Thursday, 01-Jan-37 00:00:00 GMT", (time_t)2114380800 - 10, 10000);
}

static void asctime_dates_are_accepted(void **state)
{
    (void)state;
    assert_wait("Sun Nov  6 08:49:37 1994", EXAMPLE_DATE - 60, 60000);
    assert_wait("Sun Nov 6 08:49:37 1994", EXAMPLE_DATE - 60, 60000);
}

static void a_date_in_the_past_means_no_wait(void **state)
{
    (void)state;
    time_t later = EXAMPLE_DATE + 86400L * 365 * 30;
    assert_wait("Sun, 06 Nov 1994 08:49:37 GMT", later, 0);
    assert_wait("Sunday, 06-Nov-94 08:49:37 GMT", later, 0);
    assert_wait("Sun Nov  6 08:49:37 1994", later, 0);
}

static void a_far_future_date_saturates(void **state)
{
    (void)state;
    assert_wait("Fri, 31 Dec 9999 23:59:59 GMT", EXAMPLE_DATE, RETRY_AFTER_SATURATED_MS);
}

static void impossible_dates_are_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Sun, 32 Nov 1994 08:49:37 GMT",       "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",       "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",       "Sun, 06 Nov 1994 08:49:62 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",       "Mon, 30 Feb 2015 08:49:37 GMT",
        "Mon, 29 Feb 2100 08:49:37 GMT",       "Sun, 29 Feb 2019 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",         "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37",           "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT extra", "Sun Nov 31 08:49:37 1994",
        "Sunday, 31-Apr-94 08:49:37 GMT",      "Sun, 06 Nov 1969 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
    };
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_rejected(bad[i], EXAMPLE_DATE);
}

static void the_last_day_of_each_month_is_accepted(void **state)
{
    (void)state;
    assert_wait("Thu, 29 Feb 2024 00:00:00 GMT", (time_t)1709164800 - 1, 1000);
    assert_wait("Tue, 29 Feb 2000 00:00:00 GMT", (time_t)951782400 - 1, 1000);
    assert_wait("Thu, 30 Apr 2020 00:00:00 GMT", (time_t)1588204800 - 1, 1000);
    assert_wait("Thu, 31 Dec 2020 00:00:00 GMT", (time_t)1609372800 - 1, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delta_seconds_become_milliseconds),
        cmocka_unit_test(zero_seconds_means_no_wait),
        cmocka_unit_test(surrounding_whitespace_is_ignored),
        cmocka_unit_test(only_the_given_length_is_read),
        cmocka_unit_test(huge_delta_seconds_saturate),
        cmocka_unit_test(malformed_values_are_rejected),
        cmocka_unit_test(imf_fixdate_counts_from_now),
        cmocka_unit_test(the_month_name_ignores_case),
        cmocka_unit_test(rfc850_dates_are_accepted),
        cmocka_unit_test(asctime_dates_are_accepted),
        cmocka_unit_test(a_date_in_the_past_means_no_wait),
        cmocka_unit_test(a_far_future_date_saturates),
        cmocka_unit_test(impossible_dates_are_rejected),
        cmocka_unit_test(the_last_day_of_each_month_is_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
