#include "policy/ratelimit.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define LONG_CAP 1000000000000L /* a value beyond this is saturated: no quota is that large */

static bool parse_count(const char *p, size_t n, long *out)
{
    while(n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while(n && isspace((unsigned char)p[n - 1]))
        n--;
    if(!n)
        return false;
    long value = 0;
    for(size_t i = 0; i < n; i++) {
        if(!isdigit((unsigned char)p[i]))
            return false;
        if(value < LONG_CAP)
            value = value * 10 + (p[i] - '0');
    }
    *out = value > LONG_CAP ? LONG_CAP : value;
    return true;
}

/* The digits of a decimal fraction from *i on, in thousandths (digits past the third count
   for nothing); *i ends past them. */
static long thousandths_at(const char *text, size_t length, size_t *i)
{
    long thousandths = 0, scale = 100;
    while(*i < length && isdigit((unsigned char)text[*i])) {
        thousandths += (text[*i] - '0') * scale;
        scale /= 10;
        (*i)++;
    }
    return thousandths;
}

bool ratelimit_parse_duration(const char *text, size_t length, long *out_ms)
{
    size_t i = 0;
    long long total = 0;
    bool any = false;
    while(i < length && isspace((unsigned char)text[i]))
        i++;
    while(i < length && !isspace((unsigned char)text[i])) {
        long long whole = 0;
        long long fraction_ms = 0; /* of one unit, in thousandths */
        size_t start = i;
        while(i < length && isdigit((unsigned char)text[i])) {
            if(whole < LONG_CAP)
                whole = whole * 10 + (text[i] - '0');
            i++;
        }
        if(i < length && text[i] == '.') {
            i++;
            fraction_ms = thousandths_at(text, length, &i);
        }
        if(i == start)
            return false;
        long long unit_ms;
        if(i + 1 < length + 1 && i + 2 <= length && text[i] == 'm' && text[i + 1] == 's') {
            unit_ms = 1;
            i += 2;
        }
        else if(i < length && text[i] == 'h') {
            unit_ms = 3600000;
            i++;
        }
        else if(i < length && text[i] == 'm') {
            unit_ms = 60000;
            i++;
        }
        else if(i < length && text[i] == 's') {
            unit_ms = 1000;
            i++;
        }
        else if(i == length || isspace((unsigned char)text[i])) {
            unit_ms = 1000; /* a bare number: seconds */
            if(any)
                return false;
        }
        else {
            return false;
        }
        if(whole > LONG_CAP / unit_ms)
            whole = LONG_CAP / unit_ms; /* saturates below, without overflowing */
        total += whole * unit_ms + fraction_ms * unit_ms / 1000;
        if(total > LONG_CAP)
            total = LONG_CAP;
        any = true;
    }
    while(i < length && isspace((unsigned char)text[i]))
        i++;
    if(!any || i != length)
        return false;
    *out_ms = (long)total;
    return true;
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static bool digits_at(const char *p, size_t n, size_t at, size_t count, int *out)
{
    if(at + count > n)
        return false;
    int value = 0;
    for(size_t i = 0; i < count; i++) {
        if(!isdigit((unsigned char)p[at + i]))
            return false;
        value = value * 10 + (p[at + i] - '0');
    }
    *out = value;
    return true;
}

bool ratelimit_parse_time(const char *text, size_t length, long long *out_ms)
{
    while(length && isspace((unsigned char)*text)) {
        text++;
        length--;
    }
    while(length && isspace((unsigned char)text[length - 1]))
        length--;
    int year, month, day, hour, minute, second;
    if(length < 20 || !digits_at(text, length, 0, 4, &year) || text[4] != '-' ||
       !digits_at(text, length, 5, 2, &month) || text[7] != '-' ||
       !digits_at(text, length, 8, 2, &day) || (text[10] != 'T' && text[10] != 't') ||
       !digits_at(text, length, 11, 2, &hour) || text[13] != ':' ||
       !digits_at(text, length, 14, 2, &minute) || text[16] != ':' ||
       !digits_at(text, length, 17, 2, &second))
        return false;
    if(month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    size_t i = 19;
    long fraction_ms = 0;
    if(text[i] == '.') {
        size_t start = ++i;
        fraction_ms = thousandths_at(text, length, &i);
        if(i == start)
            return false;
    }
    if(i + 1 != length || (text[i] != 'Z' && text[i] != 'z'))
        return false; /* offsets other than Z: not sent by the APIs that use this form */
    long long days = days_from_civil(year, (unsigned)month, (unsigned)day);
    *out_ms = ((days * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL + fraction_ms;
    return true;
}

/* A reset as a delta in seconds, or as epoch seconds (GitHub's x-ratelimit-reset). */
static bool parse_reset(const char *p, size_t n, long long now_ms, long *out_ms)
{
    long value;
    if(!parse_count(p, n, &value))
        return false;
    if(value > 100000000L) { /* epoch seconds */
        long long delta = (long long)value * 1000 - now_ms;
        *out_ms = delta < 0 ? 0 : delta > LONG_CAP ? LONG_CAP : (long)delta;
    }
    else {
        *out_ms = value * 1000;
    }
    return true;
}

/* A structured-field parameter ";name=value" of the first item: the value's digits. */
static bool sf_param(const char *p, size_t n, const char *name, long *out)
{
    size_t name_len = strlen(name);
    for(size_t i = 0; i + name_len + 1 < n; i++) {
        if(p[i] == ',')
            return false; /* the first item only */
        if(p[i] != ';')
            continue;
        size_t j = i + 1;
        while(j < n && p[j] == ' ')
            j++;
        if(j + name_len < n && !strncasecmp(p + j, name, name_len) && p[j + name_len] == '=') {
            j += name_len + 1;
            size_t end = j;
            while(end < n && isdigit((unsigned char)p[end]))
                end++;
            return end > j && parse_count(p + j, end - j, out);
        }
    }
    return false;
}

/* draft-ietf-httpapi-ratelimit-headers -03..-06: "limit=100, remaining=50, reset=30". */
static bool dict_member(const char *p, size_t n, const char *name, long *out)
{
    size_t name_len = strlen(name);
    for(size_t i = 0; i + name_len < n; i++) {
        if((i == 0 || p[i - 1] == ',' || p[i - 1] == ' ') && !strncasecmp(p + i, name, name_len) &&
           p[i + name_len] == '=') {
            size_t j = i + name_len + 1, end = j;
            while(end < n && isdigit((unsigned char)p[end]))
                end++;
            return end > j && parse_count(p + j, end - j, out);
        }
    }
    return false;
}

/* The length of the value's first item: up to a ';' or ',' within the line. */
static size_t first_item(const char *v, size_t n)
{
    size_t i = 0;
    while(i < n && v[i] != ';' && v[i] != ',')
        i++;
    return i;
}

static bool name_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && !strncasecmp(line, name, name_len);
}

static void take_line(const char *line, size_t length, long long now_ms,
                      struct ratelimit_info *info, bool *seen)
{
    const char *colon = memchr(line, ':', length);
    if(!colon)
        return;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t n = length - name_len - 1;
    while(n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    long value;
    long long when;
    if(name_is(line, name_len, "ratelimit")) {
        if(sf_param(v, n, "r", &value)) { /* "default";r=50;t=30 */
            info->remaining = value;
            *seen = true;
        }
        if(sf_param(v, n, "t", &value)) {
            info->reset_ms = value * 1000;
            *seen = true;
        }
        if(dict_member(v, n, "limit", &value)) {
            info->limit = value;
            *seen = true;
        }
        if(dict_member(v, n, "remaining", &value)) {
            info->remaining = value;
            *seen = true;
        }
        if(dict_member(v, n, "reset", &value)) {
            info->reset_ms = value * 1000;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "ratelimit-policy")) {
        if(sf_param(v, n, "q", &value)) {
            info->limit = value;
            *seen = true;
        }
        if(sf_param(v, n, "w", &value)) {
            info->window_ms = value * 1000;
            *seen = true;
        }
        /* older drafts: "100;w=60" */
        if(info->limit < 0 && parse_count(v, first_item(v, n), &value)) {
            info->limit = value;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "ratelimit-limit") ||
            name_is(line, name_len, "x-ratelimit-limit") ||
            name_is(line, name_len, "x-ratelimit-limit-requests") ||
            name_is(line, name_len, "anthropic-ratelimit-requests-limit")) {
        if(parse_count(v, first_item(v, n), &value)) {
            info->limit = value;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "ratelimit-remaining") ||
            name_is(line, name_len, "x-ratelimit-remaining") ||
            name_is(line, name_len, "x-ratelimit-remaining-requests") ||
            name_is(line, name_len, "anthropic-ratelimit-requests-remaining")) {
        if(parse_count(v, n, &value)) {
            info->remaining = value;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "ratelimit-reset") ||
            name_is(line, name_len, "x-ratelimit-reset")) {
        if(parse_reset(v, n, now_ms, &value)) {
            info->reset_ms = value;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "x-ratelimit-reset-requests")) {
        if(ratelimit_parse_duration(v, n, &value)) {
            info->reset_ms = value;
            *seen = true;
        }
    }
    else if(name_is(line, name_len, "anthropic-ratelimit-requests-reset")) {
        if(ratelimit_parse_time(v, n, &when)) {
            long long delta = when - now_ms;
            info->reset_ms = delta < 0 ? 0 : delta > LONG_CAP ? LONG_CAP : (long)delta;
            *seen = true;
        }
    }
}

bool ratelimit_parse(const char *text, size_t length, long long now_ms, struct ratelimit_info *out)
{
    struct ratelimit_info info = {-1, -1, -1, -1};
    bool seen = false;
    size_t start = 0;
    while(start < length) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline ? (size_t)(newline - text) : length;
        size_t line_len = end - start;
        while(line_len && isspace((unsigned char)text[start + line_len - 1]))
            line_len--;
        take_line(text + start, line_len, now_ms, &info, &seen);
        start = end + 1;
    }
    *out = info;
    return seen;
}

long long ratelimit_interval_us(const struct ratelimit_info *info)
{
    if(info->remaining < 0)
        return 0;
    bool low = info->limit > 0 ? info->remaining * 10 <= info->limit : info->remaining <= 2;
    if(!low)
        return 0;
    if(info->reset_ms >= 0) {
        long long spread = (long long)info->reset_ms * 1000 / (info->remaining + 1);
        return spread > 0 ? spread : 0;
    }
    if(info->window_ms > 0 && info->limit > 0)
        return (long long)info->window_ms * 1000 / info->limit;
    return 0;
}
