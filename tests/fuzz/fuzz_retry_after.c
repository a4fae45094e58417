/* retry_after_parse on arbitrary header values, plus round trips through dates that glibc's
   gmtime_r formats, as an oracle independent of the parser's own calendar arithmetic.
   The input: 5 bytes of "now", 4 bytes of a date offset, 1 byte of format, then the value. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fuzz_input.h"
#include "policy/retry_after.h"

/* From 1970 to past year 9999, so the clock the parser is given stays a plausible time(). */
#define NOW_MAX ((time_t)1 << 38)

static bool parse_exact(const char *value, size_t length, time_t now, long *wait_ms)
{
    char *copy = fuzz_exact_copy(value, length); /* no NUL: the parser must use length */
    bool ok = retry_after_parse(copy, length, now, wait_ms);
    free(copy);
    return ok;
}

static void check_arbitrary_value(const char *value, size_t length, time_t now)
{
    long wait_ms = -12345;
    if(!parse_exact(value, length, now, &wait_ms)) {
        FUZZ_CHECK(wait_ms == -12345); /* untouched on failure */
        return;
    }
    FUZZ_CHECK(wait_ms >= 0 && wait_ms <= RETRY_AFTER_SATURATED_MS);
    FUZZ_CHECK(wait_ms % 1000 == 0 || wait_ms == RETRY_AFTER_SATURATED_MS);
    /* As time passes the wait asked for can only shrink. */
    long later_wait_ms;
    FUZZ_CHECK(parse_exact(value, length, now + 1, &later_wait_ms));
    FUZZ_CHECK(later_wait_ms <= wait_ms);
}

static long expected_wait_ms(long long delta_seconds)
{
    if(delta_seconds <= 0)
        return 0;
    if(delta_seconds > RETRY_AFTER_SATURATED_MS / 1000)
        return RETRY_AFTER_SATURATED_MS;
    return (long)delta_seconds * 1000;
}

/* The same moment in the three forms RFC 9110 allows, built by strftime in the C locale. */
static size_t format_date(time_t when, int form, char *buffer, size_t size)
{
    struct tm utc;
    if(!gmtime_r(&when, &utc))
        return 0;
    static const char *const formats[] = {"%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate */
                                          "%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850 */
                                          "%a %b %e %H:%M:%S %Y"}; /* asctime */
    if(form == 1 && (utc.tm_year < 70 || utc.tm_year >= 170))
        return 0; /* two-digit years mean 1970..2069 */
    return strftime(buffer, size, formats[form], &utc);
}

static void check_date_round_trip(time_t now, long long offset, int form)
{
    time_t when = now + (time_t)offset;
    if(when < 0 || when > (time_t)253402300799LL) /* 9999-12-31T23:59:59Z */
        return;
    char date[64];
    size_t length = format_date(when, form, date, sizeof(date));
    if(!length)
        return;
    long wait_ms;
    FUZZ_CHECK(parse_exact(date, length, now, &wait_ms));
    FUZZ_CHECK(wait_ms == expected_wait_ms((long long)when - (long long)now));
}

static void check_delta_round_trip(unsigned long long seconds)
{
    char text[32];
    int length = snprintf(text, sizeof(text), " %llu ", seconds);
    long wait_ms;
    FUZZ_CHECK(parse_exact(text, (size_t)length, 0, &wait_ms));
    FUZZ_CHECK(
        wait_ms ==
        expected_wait_ms(seconds > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)seconds));
    /* A sign is not delta-seconds. */
    text[0] = '-';
    FUZZ_CHECK(!parse_exact(text, (size_t)length, 0, &wait_ms));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    uint64_t now_bits = (uint64_t)fuzz_u8(&in) << 32 | fuzz_u32(&in);
    time_t now = (time_t)(now_bits % (uint64_t)NOW_MAX);
    long long offset = (long long)(int32_t)fuzz_u32(&in) * (fuzz_u8(&in) & 0x80 ? 64 : 1);
    int form = fuzz_u8(&in) % 3;

    check_date_round_trip(now, offset, form);
    check_delta_round_trip((unsigned long long)now_bits * (uint64_t)(offset & 0xffff));
    check_arbitrary_value((const char *)in.data, in.left, now);
    return 0;
}
