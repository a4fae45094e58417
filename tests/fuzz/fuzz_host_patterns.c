/* host_patterns_parse and host_patterns_match. The input is the TRYAGAIN_HOSTS text, a '\n',
   then host names separated by '\n'. Each host is handed over as bytes with a length and no
   terminating NUL, the way url_split yields it, so a read past its end is caught. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "policy/host_patterns.h"
#include "fuzz_input.h"

static bool reference_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == ':';
}

/* Each accepted pattern: nothing but host characters after an optional "*.", lower case. */
static void check_pattern_shape(const char *pattern)
{
    size_t length = strnlen(pattern, HOST_PATTERN_LEN);
    FUZZ_CHECK(length > 0 && length < HOST_PATTERN_LEN);
    size_t start = length >= 2 && pattern[0] == '*' && pattern[1] == '.' ? 2 : 0;
    FUZZ_CHECK(start < length);
    for(size_t i = start; i < length; i++) {
        unsigned char c = (unsigned char)pattern[i];
        FUZZ_CHECK(reference_host_char(c) && !(c >= 'A' && c <= 'Z'));
    }
}

static bool reference_matches(const char *pattern, const char *host, size_t host_length)
{
    size_t length = strlen(pattern);
    if(pattern[0] == '*') {
        const char *suffix = pattern + 1; /* ".example.org": a name below, never the domain */
        size_t suffix_length = length - 1;
        if(host_length <= suffix_length)
            return false;
        const char *tail = host + host_length - suffix_length;
        for(size_t i = 0; i < suffix_length; i++) {
            if(tolower((unsigned char)tail[i]) != suffix[i])
                return false;
        }
        return true;
    }
    if(host_length != length)
        return false;
    for(size_t i = 0; i < length; i++) {
        if(tolower((unsigned char)host[i]) != pattern[i])
            return false;
    }
    return true;
}

static void check_host(const struct host_patterns *patterns, const char *bytes, size_t length)
{
    char *host = fuzz_exact_copy(bytes, length);
    bool matched = host_patterns_match(patterns, host, length);
    bool expected = patterns->count == 0;
    for(int i = 0; i < patterns->count && !expected; i++)
        expected = reference_matches(patterns->pattern[i], host, length);
    FUZZ_CHECK(matched == expected);

    /* Host names are case-insensitive (RFC 4343). */
    for(size_t i = 0; i < length; i++)
        host[i] = (char)toupper((unsigned char)host[i]);
    FUZZ_CHECK(host_patterns_match(patterns, host, length) == matched);
    free(host);
}

/* Every plain pattern names at least its own host; every wildcard one a name just below. */
static void check_patterns_match_themselves(const struct host_patterns *patterns)
{
    for(int i = 0; i < patterns->count; i++) {
        const char *pattern = patterns->pattern[i];
        char below[HOST_PATTERN_LEN + 1];
        if(pattern[0] == '*')
            snprintf(below, sizeof(below), "a%s", pattern + 1);
        else
            snprintf(below, sizeof(below), "%s", pattern);
        FUZZ_CHECK(host_patterns_match(patterns, below, strlen(below)));
        if(pattern[0] == '*') /* the domain itself is not below itself */
            FUZZ_CHECK(!reference_matches(pattern, pattern + 2, strlen(pattern + 2)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    char *list = fuzz_string_until(&in, '\n');
    static struct host_patterns patterns;
    memset(&patterns, 0x5a, sizeof(patterns));
    if(!host_patterns_parse(list, &patterns)) {
        free(list);
        return 0;
    }
    FUZZ_CHECK(patterns.count >= 0 && patterns.count <= HOST_PATTERNS_MAX);
    if(!*list)
        FUZZ_CHECK(patterns.count == 0);
    for(int i = 0; i < patterns.count; i++)
        check_pattern_shape(patterns.pattern[i]);
    check_patterns_match_themselves(&patterns);

    while(!fuzz_empty(&in)) {
        size_t length = 0;
        while(length < in.left && in.data[length] != '\n')
            length++;
        check_host(&patterns, (const char *)in.data, length);
        size_t consumed = length < in.left ? length + 1 : length;
        in.data += consumed;
        in.left -= consumed;
    }
    free(list);
    return 0;
}
