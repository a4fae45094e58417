/* Every variable of policy/options.c's table, parsed once. A bad value is never fatal: it is
   named in one warning line and the default takes its place, so the program always runs on. */
#include "policy/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/options.h"

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

static bool parse_value(const struct tryagain_option *spec, const char *text,
                        struct tryagain_config *config)
{
    void *field = (char *)config + spec->offset;
    switch(spec->value) {
    case VALUE_NUMBER:
        return parse_number(text, spec->min, spec->max, field);
    case VALUE_BOOL:
        return parse_bool(text, field);
    case VALUE_JITTER: {
        static const char *const words[] = {"full", "equal", "decorrelated", "none"};
        int index;
        if(!parse_word(text, words, 4, &index))
            return false;
        *(enum jitter_mode *)field = (enum jitter_mode)index;
        return true;
    }
    case VALUE_LOG_FORMAT: {
        static const char *const words[] = {"text", "json"};
        int index;
        if(!parse_word(text, words, 2, &index))
            return false;
        *(enum log_format *)field = (enum log_format)index;
        return true;
    }
    case VALUE_LOG_LEVEL: {
        long level;
        if(!parse_number(text, 0, 2, &level))
            return false;
        *(int *)field = (int)level;
        return true;
    }
    case VALUE_STATUS_LIST:
        return status_set_parse(text, field);
    case VALUE_HOST_LIST:
        return host_patterns_parse(text, field);
    case VALUE_PATH:
        if(strlen(text) >= sizeof(config->log_file))
            return false;
        strcpy(field, text);
        return true;
    case VALUE_CONNECT_KINDS:
        return parse_connect_kinds(text, field);
    case VALUE_CONNECT_FILTER:
        return connect_filter_parse(text, field);
    case VALUE_HEADER_NAME:
        if(!*text) {
            *(char *)field = '\0';
            return true;
        }
        return idempotency_name_parse(text, field);
    case VALUE_FALLBACK_MAP:
        return fallback_parse(text, field);
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
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++) {
        const struct tryagain_option *spec = &tryagain_options[i];
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
