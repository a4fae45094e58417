/* Which hosts transfers are retried for (TRYAGAIN_HOSTS). */
#ifndef TRYAGAIN_HOST_PATTERNS_H
#define TRYAGAIN_HOST_PATTERNS_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_PATTERNS_MAX 32
#define HOST_PATTERN_LEN 256
struct host_patterns {
    int count; /* 0: every host */
    char pattern[HOST_PATTERNS_MAX][HOST_PATTERN_LEN];
};

/* "api.example.com,*.example.org". False on a malformed list. */
bool host_patterns_parse(const char *text, struct host_patterns *out);
/* True when host (no port, no brackets) matches; an empty pattern list matches every host. */
bool host_patterns_match(const struct host_patterns *patterns, const char *host, size_t host_len);

#endif
