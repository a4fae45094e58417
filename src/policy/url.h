/* Just enough URL handling for decisions and logs: the scheme, the host, and a redacted copy. */
#ifndef TRYAGAIN_URL_H
#define TRYAGAIN_URL_H

#include <stdbool.h>
#include <stddef.h>

struct url_parts {
    const char *scheme;
    size_t scheme_len;
    const char *host; /* without brackets or port */
    size_t host_len;
};

/* False when text is not scheme://authority... (curl's scheme-less "host/path" is read as http). */
bool url_split(const char *text, struct url_parts *out);
bool url_is_http(const struct url_parts *parts);
/* url_split(text, ...) && url_is_http(...), with no parts wanted: asked of every URL a program
   sets while every host is retried, so the usual "http(s)://host[:port]/..." is answered in
   one pass over its authority. */
bool url_is_http_with_host(const char *text);

/* Copies url into buffer with the user:password, every query value and the fragment replaced,
   so a log line never holds a secret. Always NUL-terminates; truncates with "..." when the
   buffer is too small. */
void url_redact(const char *url, char *buffer, size_t size);

#endif
