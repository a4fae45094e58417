/* One table of {name, default, what it accepts}, parsed once. A bad value is never fatal: it is
   named in one warning line and the default takes its place, so the program always runs on. */
#include "policy/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/list.h"

enum value_kind {
    KIND_NUMBER,
    KIND_BOOL,
    KIND_JITTER,
    KIND_STATUS_LIST,
    KIND_HOST_LIST,
    KIND_LOG_LEVEL,
    KIND_PATH,
    KIND_LOG_FORMAT,
    KIND_CONNECT_KINDS,
    KIND_CONNECT_FILTER
};

struct option_spec {
    const char *name;
    const char *default_text;
    enum value_kind kind;
    long min, max; /* KIND_NUMBER only */
    size_t offset; /* field in struct tryagain_config */
    const char *accepts; /* for the warning line */
};

#define FIELD(f) offsetof(struct tryagain_config, f)
#define DAY_MS 86400000L

static const struct option_spec option_table[] = {
    {"TRYAGAIN_MAX_ATTEMPTS", "5", KIND_NUMBER, 1, 100, FIELD(max_attempts),
     "a whole number from 1 to 100"},
    {"TRYAGAIN_BASE_DELAY_MS", "1000", KIND_NUMBER, 0, DAY_MS, FIELD(base_delay_ms),
     "milliseconds from 0 to 86400000"},
    {"TRYAGAIN_MAX_DELAY_MS", "30000", KIND_NUMBER, 0, DAY_MS, FIELD(max_delay_ms),
     "milliseconds from 0 to 86400000"},
    {"TRYAGAIN_JITTER", "full", KIND_JITTER, 0, 0, FIELD(jitter),
     "full, equal, decorrelated or none"},
    {"TRYAGAIN_MAX_RETRY_AFTER_MS", "60000", KIND_NUMBER, 0, DAY_MS, FIELD(max_retry_after_ms),
     "milliseconds from 0 to 86400000"},
    {"TRYAGAIN_DEADLINE_MS", "0", KIND_NUMBER, 0, DAY_MS, FIELD(deadline_ms),
     "milliseconds from 0 (none) to 86400000"},
    {"TRYAGAIN_RETRY_STATUS", "408,429,500,502,503,504", KIND_STATUS_LIST, 0, 0,
     FIELD(retry_status), "a comma list of statuses 400-599 or classes like 5xx"},
    {"TRYAGAIN_RETRY_UNSAFE", "0", KIND_BOOL, 0, 0, FIELD(retry_unsafe), "0 or 1"},
    {"TRYAGAIN_HOSTS", "", KIND_HOST_LIST, 0, 0, FIELD(hosts),
     "a comma list of host names or *.domain patterns"},
    {"TRYAGAIN_LOG", "0", KIND_LOG_LEVEL, 0, 0, FIELD(log_level), "0, 1 or 2"},
    {"TRYAGAIN_LOG_FILE", "", KIND_PATH, 0, 0, FIELD(log_file), "a file path"},
    {"TRYAGAIN_LOG_FORMAT", "text", KIND_LOG_FORMAT, 0, 0, FIELD(log_format), "text or json"},
    {"TRYAGAIN_STATS", "0", KIND_BOOL, 0, 0, FIELD(stats), "0 or 1"},
    {"TRYAGAIN_CONNECT", "tcp", KIND_CONNECT_KINDS, 0, 0, FIELD(connect_kinds),
     "tcp, unix, tcp,unix or off"},
    {"TRYAGAIN_CONNECT_TO", "", KIND_CONNECT_FILTER, 0, 0, FIELD(connect_to),
     "a comma list like 127.0.0.1:5432,:6379,[::1]:80,localhost:8080,/run/app.sock"},
    {"TRYAGAIN_KEEP_DEEPBIND", "0", KIND_BOOL, 0, 0, FIELD(keep_deepbind), "0 or 1"},
};

static bool parse_number(const char *text, long min, long max, long *out)
{
    const char *p = text;
    while(isspace((unsigned char)*p))
        p++;
    if(!isdigit((unsigned char)*p))
        return false; /* no sign, no empty value */
    errno = 0;
    char *end = NULL;
    long long value = strtoll(p, &end, 10);
    while(isspace((unsigned char)*end))
        end++;
    if(errno || *end || value < min || value > max)
        return false;
    *out = (long)value;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for(size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if(!strcasecmp(text, yes[i])) {
            *out = true;
            return true;
        }
        if(!strcasecmp(text, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_word(const char *text, const char *const *words, int count, int *out)
{
    for(int i = 0; i < count; i++) {
        if(!strcasecmp(text, words[i])) {
            *out = i;
            return true;
        }
    }
    return false;
}

static bool parse_connect_kinds(const char *text, int *out)
{
    static const char *const forms[] = {"off", "tcp", "unix", "tcp,unix", "unix,tcp"};
    static const int kinds[] = {0, CONNECT_TCP, CONNECT_UNIX, CONNECT_TCP | CONNECT_UNIX,
                                CONNECT_TCP | CONNECT_UNIX};
    int index;
    if(!parse_word(text, forms, 5, &index))
        return false;
    *out = kinds[index];
    return true;
}

static void status_set_add(struct status_set *set, long status)
{
    long bit = status - STATUS_SET_FIRST;
    set->bits[bit / 64] |= (uint64_t)1 << (bit % 64);
}

bool status_set_contains(const struct status_set *set, long status)
{
    if(status < STATUS_SET_FIRST || status > STATUS_SET_LAST)
        return false;
    long bit = status - STATUS_SET_FIRST;
    return (set->bits[bit / 64] >> (bit % 64)) & 1;
}

static bool add_status_item(const char *item, size_t len, void *ctx)
{
    struct status_set *set = ctx;
    if(len != 3 || (item[0] != '4' && item[0] != '5'))
        return false;
    bool is_class = (item[1] == 'x' || item[1] == 'X') && (item[2] == 'x' || item[2] == 'X');
    if(is_class) {
        long first = (item[0] - '0') * 100L;
        for(long status = first; status < first + 100; status++)
            status_set_add(set, status);
        return true;
    }
    if(!isdigit((unsigned char)item[1]) || !isdigit((unsigned char)item[2]))
        return false;
    status_set_add(set, (item[0] - '0') * 100L + (item[1] - '0') * 10L + (item[2] - '0'));
    return true;
}

bool status_set_parse(const char *text, struct status_set *out)
{
    struct status_set parsed;
    memset(&parsed, 0, sizeof(parsed));
    if(!*text)
        return false; /* retrying no status at all is TRYAGAIN_MAX_ATTEMPTS=1's job */
    if(!list_for_each_item(text, add_status_item, &parsed))
        return false;
    *out = parsed;
    return true;
}

static bool is_host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == ':';
}

static bool add_host_item(const char *item, size_t len, void *ctx)
{
    struct host_patterns *patterns = ctx;
    if(patterns->count == HOST_PATTERNS_MAX || len >= HOST_PATTERN_LEN)
        return false;
    size_t start = 0;
    if(len >= 2 && item[0] == '*' && item[1] == '.')
        start = 2; /* "*.example.org" */
    if(start == len)
        return false;
    for(size_t i = start; i < len; i++) {
        if(!is_host_char(item[i]))
            return false;
    }
    char *slot = patterns->pattern[patterns->count++];
    for(size_t i = 0; i < len; i++)
        slot[i] = (char)tolower((unsigned char)item[i]);
    slot[len] = '\0';
    return true;
}

bool host_patterns_parse(const char *text, struct host_patterns *out)
{
    struct host_patterns parsed;
    memset(&parsed, 0, sizeof(parsed));
    if(!list_for_each_item(text, add_host_item, &parsed))
        return false;
    *out = parsed;
    return true;
}

static bool host_matches(const char *pattern, const char *host, size_t host_len)
{
    if(pattern[0] == '*') {
        /* "*.example.org" matches any name below example.org, not example.org itself. */
        size_t suffix_len = strlen(pattern) - 1; /* ".example.org" */
        return host_len > suffix_len &&
               !strncasecmp(host + host_len - suffix_len, pattern + 1, suffix_len);
    }
    return strlen(pattern) == host_len && !strncasecmp(pattern, host, host_len);
}

bool host_patterns_match(const struct host_patterns *patterns, const char *host, size_t host_len)
{
    if(patterns->count == 0)
        return true;
    for(int i = 0; i < patterns->count; i++) {
        if(host_matches(patterns->pattern[i], host, host_len))
            return true;
    }
    return false;
}

static bool parse_value(const struct option_spec *spec, const char *text,
                        struct tryagain_config *config)
{
    void *field = (char *)config + spec->offset;
    switch(spec->kind) {
    case KIND_NUMBER:
        return parse_number(text, spec->min, spec->max, field);
    case KIND_BOOL:
        return parse_bool(text, field);
    case KIND_JITTER: {
        static const char *const words[] = {"full", "equal", "decorrelated", "none"};
        int index;
        if(!parse_word(text, words, 4, &index))
            return false;
        *(enum jitter_mode *)field = (enum jitter_mode)index;
        return true;
    }
    case KIND_LOG_FORMAT: {
        static const char *const words[] = {"text", "json"};
        int index;
        if(!parse_word(text, words, 2, &index))
            return false;
        *(enum log_format *)field = (enum log_format)index;
        return true;
    }
    case KIND_LOG_LEVEL: {
        long level;
        if(!parse_number(text, 0, 2, &level))
            return false;
        *(int *)field = (int)level;
        return true;
    }
    case KIND_STATUS_LIST:
        return status_set_parse(text, field);
    case KIND_HOST_LIST:
        return host_patterns_parse(text, field);
    case KIND_PATH:
        if(strlen(text) >= sizeof(config->log_file))
            return false;
        strcpy(field, text);
        return true;
    case KIND_CONNECT_KINDS:
        return parse_connect_kinds(text, field);
    case KIND_CONNECT_FILTER:
        return connect_filter_parse(text, field);
    }
    return false;
}

/* The start of a bad value as the warning quotes it. A value is the user's bytes: a newline or
   an escape sequence in it must not split the warning line or reach the terminal as is. */
static void excerpt_for_warning(const char *text, char *buffer, size_t size)
{
    size_t used = 0;
    for(const char *p = text; *p && used + 1 < size; p++) {
        unsigned char c = (unsigned char)*p;
        buffer[used++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buffer[used] = '\0';
}

void config_parse(struct tryagain_config *out, env_lookup_fn lookup, void *lookup_ctx,
                  config_warn_fn warn, void *warn_ctx)
{
    memset(out, 0, sizeof(*out));
    for(size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++) {
        const struct option_spec *spec = &option_table[i];
        /* Defaults go through the same parser, so they are written once, in the table. */
        parse_value(spec, spec->default_text, out);
        const char *text = lookup(spec->name, lookup_ctx);
        if(!text || !*text)
            continue;
        if(parse_value(spec, text, out))
            continue;
        parse_value(spec, spec->default_text, out);
        if(warn) {
            char excerpt[81];
            excerpt_for_warning(text, excerpt, sizeof(excerpt));
            char line[512];
            snprintf(line, sizeof(line),
                     "tryagain: warning: %s=\"%s\" is not valid (expected %s); using the "
                     "default \"%s\"",
                     spec->name, excerpt, spec->accepts, spec->default_text);
            warn(line, warn_ctx);
        }
    }
    if(out->max_delay_ms < out->base_delay_ms && warn) {
        char line[256];
        snprintf(line, sizeof(line),
                 "tryagain: warning: TRYAGAIN_MAX_DELAY_MS=%ld is below TRYAGAIN_BASE_DELAY_MS=%ld;"
                 " waits are capped at %ld ms",
                 out->max_delay_ms, out->base_delay_ms, out->max_delay_ms);
        warn(line, warn_ctx);
    }
}
