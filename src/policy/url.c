#include "policy/url.h"

#include <ctype.h>
#include <string.h>

/* The end of a lowercase "http" or "https" scheme followed by "://", else NULL: nearly every
   URL a program sets, answered without a scan of the scheme's characters one by one. */
static const char *http_scheme_end(const char *text)
{
    if(text[0] != 'h' || text[1] != 't' || text[2] != 't' || text[3] != 'p')
        return NULL;
    const char *end = text[4] == 's' ? text + 5 : text + 4;
    return end[0] == ':' && end[1] == '/' && end[2] == '/' ? end : NULL;
}

static const char *find_scheme_end(const char *text)
{
    const char *http = http_scheme_end(text);
    if(http)
        return http;
    const char *p = text;
    if(!isalpha((unsigned char)*p))
        return NULL;
    while(isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return !strncmp(p, "://", 3) ? p : NULL;
}

bool url_split(const char *text, struct url_parts *out)
{
    const char *authority;
    const char *scheme_end = find_scheme_end(text);
    if(scheme_end) {
        out->scheme = text;
        out->scheme_len = (size_t)(scheme_end - text);
        authority = scheme_end + 3;
    }
    else {
        /* curl guesses http for "example.com/path" */
        out->scheme = "http";
        out->scheme_len = 4;
        authority = text;
    }
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = NULL;
    for(size_t i = 0; i < authority_len; i++) {
        if(authority[i] == '@')
            at = authority + i;
    }
    const char *host = at ? at + 1 : authority;
    size_t host_room = authority_len - (size_t)(host - authority);
    if(host_room && host[0] == '[') {
        const char *close = memchr(host, ']', host_room);
        if(!close)
            return false;
        out->host = host + 1;
        out->host_len = (size_t)(close - host - 1);
    }
    else {
        out->host = host;
        const char *colon = memchr(host, ':', host_room);
        out->host_len = colon ? (size_t)(colon - host) : host_room;
    }
    return out->host_len > 0;
}

/* What ends an authority (the usual case's scan), and the '@' that sends it to url_split. */
enum { AUTHORITY_GOES_ON, AUTHORITY_ENDS, AUTHORITY_HAS_USER };
static const unsigned char authority_stops[256] = {
    ['\0'] = AUTHORITY_ENDS, ['/'] = AUTHORITY_ENDS,     ['?'] = AUTHORITY_ENDS,
    ['#'] = AUTHORITY_ENDS,  ['@'] = AUTHORITY_HAS_USER,
};

bool url_is_http_with_host(const char *text)
{
    const char *scheme_end = http_scheme_end(text);
    if(scheme_end) {
        const char *authority = scheme_end + 3, *end = authority;
        while(authority_stops[(unsigned char)*end] == AUTHORITY_GOES_ON)
            end++;
        /* A host with no user before it, and neither bracketed nor empty before a port. */
        if(authority_stops[(unsigned char)*end] == AUTHORITY_ENDS && end > authority &&
           authority[0] != ':' && authority[0] != '[')
            return true;
    }
    struct url_parts parts;
    return url_split(text, &parts) && url_is_http(&parts);
}

bool url_is_http(const struct url_parts *parts)
{
    /* By hand: asked of every URL a program sets. */
    const char *s = parts->scheme;
    if(parts->scheme_len < 4 || parts->scheme_len > 5 || (s[0] | 0x20) != 'h' ||
       (s[1] | 0x20) != 't' || (s[2] | 0x20) != 't' || (s[3] | 0x20) != 'p')
        return false;
    return parts->scheme_len == 4 || (s[4] | 0x20) == 's';
}

struct writer {
    char *buffer;
    size_t size;
    size_t used;
    bool truncated;
};

static void put(struct writer *w, const char *text, size_t length)
{
    for(size_t i = 0; i < length; i++) {
        if(w->used + 4 >= w->size) { /* keep room for "..." and the NUL */
            w->truncated = true;
            return;
        }
        unsigned char c = (unsigned char)text[i];
        /* A URL with control characters must not be able to forge log lines. */
        w->buffer[w->used++] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
    }
}

static void put_text(struct writer *w, const char *text)
{
    put(w, text, strlen(text));
}

static void put_query(struct writer *w, const char *query, size_t length)
{
    size_t i = 0;
    while(i < length) {
        size_t item_len = 0;
        while(i + item_len < length && query[i + item_len] != '&')
            item_len++;
        const char *equals = memchr(query + i, '=', item_len);
        if(equals) {
            put(w, query + i, (size_t)(equals - (query + i)) + 1);
            put_text(w, "REDACTED");
        }
        else if(item_len) {
            put_text(w, "REDACTED"); /* a bare item may itself be a token */
        }
        i += item_len;
        if(i < length) {
            put(w, "&", 1);
            i++;
        }
    }
}

void url_redact(const char *url, char *buffer, size_t size)
{
    if(size == 0)
        return;
    struct writer w = {buffer, size, 0, false};
    if(size < 8) {
        buffer[0] = '\0';
        return;
    }
    const char *scheme_end = find_scheme_end(url);
    const char *authority = scheme_end ? scheme_end + 3 : url;
    put(&w, url, (size_t)(authority - url));
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = NULL;
    for(size_t i = 0; i < authority_len; i++) {
        if(authority[i] == '@')
            at = authority + i;
    }
    if(at) {
        put_text(&w, "REDACTED@");
        put(&w, at + 1, authority_len - (size_t)(at + 1 - authority));
    }
    else {
        put(&w, authority, authority_len);
    }
    const char *rest = authority + authority_len;
    size_t path_len = strcspn(rest, "?#");
    put(&w, rest, path_len);
    rest += path_len;
    if(*rest == '?') {
        size_t query_len = strcspn(rest + 1, "#");
        put(&w, "?", 1);
        put_query(&w, rest + 1, query_len);
        rest += 1 + query_len;
    }
    if(*rest == '#')
        put_text(&w, "#REDACTED");
    if(w.truncated) {
        memcpy(w.buffer + w.used, "...", 3);
        w.used += 3;
    }
    w.buffer[w.used] = '\0';
}
