/* Host name patterns: exact names and "*.domain", compared without regard to case. */
#include "policy/host_patterns.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "policy/list.h"

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
