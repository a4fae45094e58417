/* Parses by hand instead of strptime: strptime follows the locale, and the program's locale
   is not ours to depend on. */
#include "policy/retry_after.h"

#include <ctype.h>
#include <string.h>

struct cursor {
    const char *p;
    const char *end;
};

static void skip_spaces(struct cursor *c)
{
    while(c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static bool take_char(struct cursor *c, char wanted)
{
    if(c->p < c->end && *c->p == wanted) {
        c->p++;
        return true;
    }
    return false;
}

/* Exactly min..max digits. */
static bool take_number(struct cursor *c, int min_digits, int max_digits, long *out)
{
    long value = 0;
    int digits = 0;
    while(c->p < c->end && isdigit((unsigned char)*c->p) && digits < max_digits) {
        value = value * 10 + (*c->p - '0');
        c->p++;
        digits++;
    }
    if(digits < min_digits || (c->p < c->end && isdigit((unsigned char)*c->p)))
        return false;
    *out = value;
    return true;
}

static bool take_word(struct cursor *c, const char **word, size_t *length)
{
    *word = c->p;
    while(c->p < c->end && isalpha((unsigned char)*c->p))
        c->p++;
    *length = (size_t)(c->p - *word);
    return *length > 0;
}

static bool take_month(struct cursor *c, int *month)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *word;
    size_t length;
    if(!take_word(c, &word, &length) || length != 3)
        return false;
    for(int i = 0; i < 12; i++) {
        if(!strncasecmp(word, months + 3 * i, 3)) {
            *month = i;
            return true;
        }
    }
    return false;
}

static bool take_clock(struct cursor *c, long *hour, long *minute, long *second)
{
    return take_number(c, 2, 2, hour) && take_char(c, ':') && take_number(c, 2, 2, minute) &&
           take_char(c, ':') && take_number(c, 2, 2, second) && *hour < 24 && *minute < 60 &&
           *second < 61;
}

static bool take_gmt(struct cursor *c)
{
    skip_spaces(c);
    const char *word;
    size_t length;
    return take_word(c, &word, &length) && length == 3 && !strncasecmp(word, "GMT", 3);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no timegm: it consults TZ state). */
static long days_from_civil(long year, int month, long day)
{
    year -= month < 2;
    long era = (year >= 0 ? year : year - 399) / 400;
    long year_of_era = year - era * 400;
    long month_shifted = (month + 10) % 12; /* March = 0 */
    long day_of_year = (153 * month_shifted + 2) / 5 + day - 1;
    long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static bool is_leap_year(long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* month: 0 for January */
static long days_in_month(long year, int month)
{
    static const long days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 1 && is_leap_year(year) ? 29 : days[month];
}

static bool parse_http_date(struct cursor *c, time_t *out)
{
    const char *weekday;
    size_t weekday_length;
    long day, year, hour, minute, second;
    int month;
    if(!take_word(c, &weekday, &weekday_length))
        return false;
    if(take_char(c, ',')) {
        skip_spaces(c);
        if(!take_number(c, 1, 2, &day))
            return false;
        if(take_char(c, '-')) { /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
            if(!take_month(c, &month) || !take_char(c, '-') || !take_number(c, 2, 4, &year))
                return false;
            if(year < 100)
                year += year < 70 ? 2000 : 1900;
        }
        else { /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
            skip_spaces(c);
            if(!take_month(c, &month))
                return false;
            skip_spaces(c);
            if(!take_number(c, 4, 4, &year))
                return false;
        }
        skip_spaces(c);
        if(!take_clock(c, &hour, &minute, &second) || !take_gmt(c))
            return false;
    }
    else { /* asctime: Sun Nov  6 08:49:37 1994 */
        skip_spaces(c);
        if(!take_month(c, &month))
            return false;
        skip_spaces(c);
        if(!take_number(c, 1, 2, &day))
            return false;
        skip_spaces(c);
        if(!take_clock(c, &hour, &minute, &second))
            return false;
        skip_spaces(c);
        if(!take_number(c, 4, 4, &year))
            return false;
    }
    if(year < 1970 || year > 9999 || day < 1 || day > days_in_month(year, month))
        return false;
    long days = days_from_civil(year, month, day);
    /* long long: a 32-bit long overflows at 2038, well inside the years accepted */
    *out = (time_t)((long long)days * 86400 + hour * 3600L + minute * 60L + second);
    return true;
}

static bool parse_delta_seconds(struct cursor *c, long *wait_ms)
{
    long seconds = 0;
    bool saturated = false;
    if(c->p == c->end || !isdigit((unsigned char)*c->p))
        return false;
    while(c->p < c->end && isdigit((unsigned char)*c->p)) {
        if(seconds > RETRY_AFTER_SATURATED_MS / 1000)
            saturated = true;
        else
            seconds = seconds * 10 + (*c->p - '0');
        c->p++;
    }
    *wait_ms = saturated || seconds > RETRY_AFTER_SATURATED_MS / 1000 ? RETRY_AFTER_SATURATED_MS
                                                                      : seconds * 1000;
    return true;
}

bool retry_after_parse(const char *value, size_t length, time_t now, long *wait_ms)
{
    struct cursor c = {value, value + length};
    skip_spaces(&c);
    long parsed_ms;
    if(c.p < c.end && isdigit((unsigned char)*c.p)) {
        if(!parse_delta_seconds(&c, &parsed_ms))
            return false;
    }
    else {
        time_t when;
        if(!parse_http_date(&c, &when))
            return false;
        long long delta = (long long)when - (long long)now;
        if(delta <= 0)
            parsed_ms = 0;
        else if(delta > RETRY_AFTER_SATURATED_MS / 1000)
            parsed_ms = RETRY_AFTER_SATURATED_MS;
        else
            parsed_ms = (long)delta * 1000;
    }
    while(c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r' || *c.p == '\n'))
        c.p++;
    if(c.p != c.end)
        return false;
    *wait_ms = parsed_ms;
    return true;
}
