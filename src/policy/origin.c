#include "policy/origin.h"

#include <ctype.h>
#include <stdio.h>
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

bool origin_of_url(const char *url, char *out, size_t size)
{
    struct url_parts parts;
    if(!url || !url_split(url, &parts) || size < 8)
        return false;
    long port = explicit_port(&parts);
    if(port < 0)
        port = default_port(&parts);
    bool bracket = memchr(parts.host, ':', parts.host_len) != NULL;
    int written =
        snprintf(out, size, "%.*s://%s%.*s%s:%ld", (int)parts.scheme_len, parts.scheme,
                 bracket ? "[" : "", (int)parts.host_len, parts.host, bracket ? "]" : "", port);
    if(written < 0 || (size_t)written >= size)
        return false;
    for(char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if(c < 0x20 || c == 0x7f)
            return false;
        *p = (char)tolower(c);
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
