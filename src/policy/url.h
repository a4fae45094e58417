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

/* Copies url into buffer with the user:password, every query value and the fragment replaced,
   so a log line never holds a secret. Always NUL-terminates; truncates with "..." when the
   buffer is too small. */
void url_redact(const char *url, char *buffer, size_t size);

#endif
