#include "policy/request_id.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Least specific first: the rank is the index plus one. A CDN's or platform's id (cf-ray,
   x-amz-cf-id) ranks below the API's own, which is the one its provider asks to be quoted. */
static const char *const id_headers[] = {
    "cf-ray",
    "x-amz-cf-id",
    "x-vercel-id",
    "fly-request-id",
    "x-trace-id",
    "x-correlation-id",
    "x-request-id",
    "request-id",
    "x-ms-request-id",
    "x-goog-request-id",
    "x-amz-request-id",
    "x-amzn-requestid",
    "x-github-request-id",
};

int request_id_rank(const char *line, size_t length)
{
    const char *colon = memchr(line, ':', length);
    if(!colon)
        return 0;
    size_t name_length = (size_t)(colon - line);
    /* Every name above ends in "id" but cf-ray: one look at the end passes most lines by
       (Content-Type, Connection...), as this runs on every header of every response. */
    if(name_length < 6 || name_length > 19)
        return 0;
    char last = (char)(line[name_length - 1] | 0x20);
    if(last != 'd' && last != 'y')
        return 0;
    for(size_t i = 0; i < sizeof(id_headers) / sizeof(id_headers[0]); i++) {
        if(strlen(id_headers[i]) == name_length && !strncasecmp(line, id_headers[i], name_length))
            return (int)i + 1;
    }
    return 0;
}

static bool id_char(unsigned char c)
{
    /* ASCII by hand: isalnum() follows the program's locale. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-_.:/+=@", c) != NULL);
}

size_t request_id_value(const char *line, size_t length, char *out, size_t size)
{
    out[0] = '\0';
    const char *colon = memchr(line, ':', length);
    if(!colon)
        return 0;
    const char *value = colon + 1;
    size_t value_length = length - (size_t)(value - line);
    while(value_length && (*value == ' ' || *value == '\t')) {
        value++;
        value_length--;
    }
    while(value_length && isspace((unsigned char)value[value_length - 1]))
        value_length--;
    for(size_t i = 0; i < value_length; i++) {
        if(!id_char((unsigned char)value[i]))
            return 0;
    }
    if(value_length >= size)
        value_length = size - 1;
    memcpy(out, value, value_length);
    out[value_length] = '\0';
    return value_length;
}
