#include "policy/origin.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "policy/url.h"

static long default_port(const struct url_parts *parts)
{
    if(parts->scheme_len == 5 && !strncasecmp(parts->scheme, "https", 5))
        return 443;
    if(parts->scheme_len == 4 && !strncasecmp(parts->scheme, "http", 4))
        return 80;
    return 0;
}

/* The digits after host (and its closing bracket), when there is ":digits". */
static long explicit_port(const struct url_parts *parts)
{
    const char *p = parts->host + parts->host_len;
    if(*p == ']')
        p++;
    if(*p != ':')
        return -1;
    p++;
    long port = 0;
    int digits = 0;
    while(isdigit((unsigned char)*p) && digits < 6) {
        port = port * 10 + (*p++ - '0');
        digits++;
    }
    if(!digits || port > 65535)
        return -1;
    return port;
}

/* A bounded writer: asked of every transfer while a state file exists, so no snprintf. */
struct writer {
    char *at, *end;
};

static void put(struct writer *w, const char *text, size_t length)
{
    if((size_t)(w->end - w->at) <= length) {
        w->at = w->end; /* too long: marked by reaching the end */
        return;
    }
    memcpy(w->at, text, length);
    w->at += length;
}

static void put_port(struct writer *w, long port)
{
    char digits[8];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n++] = (char)('0' + port % 10);
        port /= 10;
    } while(port > 0 && n < sizeof(digits));
    put(w, digits + sizeof(digits) - n, n);
}

bool origin_of_url(const char *url, char *out, size_t size)
{
    struct url_parts parts;
    if(!url || !url_split(url, &parts) || size < 8)
        return false;
    long port = explicit_port(&parts);
    if(port < 0)
        port = default_port(&parts);
    bool bracket = memchr(parts.host, ':', parts.host_len) != NULL;
    struct writer w = {out, out + size};
    put(&w, parts.scheme, parts.scheme_len);
    put(&w, "://", 3);
    if(bracket)
        put(&w, "[", 1);
    put(&w, parts.host, parts.host_len);
    if(bracket)
        put(&w, "]", 1);
    put(&w, ":", 1);
    put_port(&w, port);
    if(w.at >= w.end)
        return false;
    *w.at = '\0';
    for(char *p = out; p < w.at; p++) {
        unsigned char c = (unsigned char)*p;
        if(c < 0x20 || c == 0x7f || c == 0)
            return false;
        if(c >= 'A' && c <= 'Z')
            *p = (char)(c + 32);
    }
    return true;
}

uint64_t origin_hash(const char *origin)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for(const unsigned char *p = (const unsigned char *)origin; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3ULL;
    }
    return hash > 1 ? hash : hash + 2; /* 0 and 1 mark free and claimed slots */
}
