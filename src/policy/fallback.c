#include "policy/fallback.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* "name", "name:port", "[v6]" or "[v6]:port", of length bytes. */
static bool parse_host(const char *text, size_t length, struct fallback_host *out)
{
    memset(out, 0, sizeof(*out));
    size_t name_length;
    if(length && text[0] == '[') {
        const char *close = memchr(text, ']', length);
        if(!close || close == text + 1)
            return false;
        name_length = (size_t)(close - text) + 1;
        for(size_t i = 1; i + 1 < name_length; i++) {
            unsigned char c = (unsigned char)text[i];
            if(!isxdigit(c) && c != ':' && c != '.')
                return false;
        }
    }
    else {
        const char *colon = memchr(text, ':', length);
        name_length = colon ? (size_t)(colon - text) : length;
        for(size_t i = 0; i < name_length; i++) {
            if(!host_char((unsigned char)text[i]))
                return false;
        }
    }
    if(name_length == 0 || name_length >= sizeof(out->name))
        return false;
    for(size_t i = 0; i < name_length; i++)
        out->name[i] = (char)tolower((unsigned char)text[i]);
    if(name_length == length)
        return true;
    if(text[name_length] != ':' || name_length + 1 == length || length - name_length > 6)
        return false;
    long port = 0;
    for(size_t i = name_length + 1; i < length; i++) {
        if(!isdigit((unsigned char)text[i]))
            return false;
        port = port * 10 + (text[i] - '0');
    }
    if(port < 1 || port > 65535)
        return false;
    out->port = (int)port;
    return true;
}

static bool same_host(const struct fallback_host *a, const struct fallback_host *b)
{
    return !strcmp(a->name, b->name) && a->port == b->port;
}

bool fallback_parse(const char *text, struct fallback_map *out)
{
    memset(out, 0, sizeof(*out));
    struct fallback_map map = {0};
    const char *p = text;
    bool more = *p != '\0';
    while(more) { /* every entry, the one after a last comma too: "a=b," is malformed */
        size_t length = strcspn(p, ",");
        const char *start = p;
        const char *end = p + length;
        more = *end == ',';
        p = end + (more ? 1 : 0);
        while(start < end && isspace((unsigned char)*start))
            start++;
        while(end > start && isspace((unsigned char)end[-1]))
            end--;
        const char *equals = memchr(start, '=', (size_t)(end - start));
        if(!equals || map.count == FALLBACK_MAX)
            return false;
        struct fallback_entry entry;
        if(!parse_host(start, (size_t)(equals - start), &entry.from) ||
           !parse_host(equals + 1, (size_t)(end - equals - 1), &entry.to) ||
           same_host(&entry.from, &entry.to))
            return false;
        for(int i = 0; i < map.count; i++) {
            if(same_host(&map.entries[i].from, &entry.from))
                return false;
        }
        map.entries[map.count++] = entry;
    }
    *out = map;
    return true;
}

/* Where the parts of a URL are: the host and port as written, and what follows them. */
struct authority {
    const char *host_start; /* the host, brackets included */
    size_t host_length;
    const char *end; /* the first byte after the port */
    int port; /* written, or the scheme's default */
    bool https;
};

static bool split_authority(const char *url, struct authority *out)
{
    const char *authority = url;
    const char *p = url;
    while(isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    bool http = true; /* curl guesses http for "example.com/path" */
    out->https = false;
    if(p > url && !strncmp(p, "://", 3)) {
        size_t scheme_length = (size_t)(p - url);
        http = scheme_length == 4 && !strncasecmp(url, "http", 4);
        out->https = scheme_length == 5 && !strncasecmp(url, "https", 5);
        authority = p + 3;
    }
    if(!http && !out->https)
        return false;
    size_t authority_length = strcspn(authority, "/?#");
    const char *host = authority;
    for(size_t i = 0; i < authority_length; i++) {
        if(authority[i] == '@')
            host = authority + i + 1;
    }
    const char *authority_end = authority + authority_length;
    const char *port_colon;
    if(host < authority_end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(authority_end - host));
        if(!close)
            return false;
        out->host_length = (size_t)(close - host) + 1;
        port_colon = close + 1 < authority_end && close[1] == ':' ? close + 1 : NULL;
    }
    else {
        port_colon = memchr(host, ':', (size_t)(authority_end - host));
        out->host_length = (size_t)((port_colon ? port_colon : authority_end) - host);
    }
    if(out->host_length == 0)
        return false;
    out->host_start = host;
    out->end = authority_end;
    out->port = out->https ? 443 : 80;
    if(port_colon && port_colon + 1 < authority_end) {
        long port = 0;
        for(const char *d = port_colon + 1; d < authority_end; d++) {
            if(!isdigit((unsigned char)*d) || port > 65535)
                return false;
            port = port * 10 + (*d - '0');
        }
        out->port = (int)port;
    }
    return true;
}

const struct fallback_entry *fallback_find(const struct fallback_map *map, const char *url)
{
    struct authority parts;
    if(!map->count || !url || !split_authority(url, &parts))
        return NULL;
    for(int i = 0; i < map->count; i++) {
        const struct fallback_host *from = &map->entries[i].from;
        if(strlen(from->name) == parts.host_length &&
           !strncasecmp(from->name, parts.host_start, parts.host_length) &&
           (from->port == 0 || from->port == parts.port))
            return &map->entries[i];
    }
    return NULL;
}

bool fallback_rewrite(const char *url, const struct fallback_entry *entry, char *out, size_t size)
{
    struct authority parts;
    if(!size || !split_authority(url, &parts))
        return false;
    const char *port_text = parts.host_start + parts.host_length; /* ":port" or "" */
    size_t port_length = (size_t)(parts.end - port_text);
    int written;
    if(entry->to.port)
        written = snprintf(out, size, "%.*s%s:%d%s", (int)(parts.host_start - url), url,
                           entry->to.name, entry->to.port, parts.end);
    else
        written = snprintf(out, size, "%.*s%s%.*s%s", (int)(parts.host_start - url), url,
                           entry->to.name, (int)port_length, port_text, parts.end);
    if(written < 0 || (size_t)written >= size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

void fallback_host_text(const struct fallback_host *host, char *out, size_t size)
{
    if(host->port)
        snprintf(out, size, "%s:%d", host->name, host->port);
    else
        snprintf(out, size, "%s", host->name);
}

bool fallback_due(int *failures, long after, enum host_outcome outcome, bool attempts_left)
{
    if(outcome == HOST_FINE) {
        *failures = 0;
        return false;
    }
    (*failures)++;
    if(!attempts_left)
        return false;
    return outcome == HOST_WAIT_TOO_LONG || *failures >= after;
}
