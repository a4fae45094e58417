/* url_split and url_redact. Two inputs in one:
   - the whole input as a URL, for memory safety and the output's shape;
   - a URL assembled from fuzzed parts (scheme, user, password, host, path, query items,
     fragment) whose secrets are well delimited. The redacted copy must not depend on the
     secrets at all: the same URL with other secrets must redact to the very same text, and
     the secrets themselves must not show. */
#include <string.h>

#include "fuzz_input.h"
#include "policy/url.h"

#define URL_MAX 2048
#define QUERY_ITEMS_MAX 4
#define PASSWORD_STAND_IN "pw-Stand-In-7f3a"
#define QUERY_STAND_IN "qv-Stand-In-1c9e"
#define FRAGMENT_STAND_IN "fr-Stand-In-5d2b"

static void check_shape(const char *buffer, size_t size)
{
    if(size == 0)
        return;
    size_t length = strnlen(buffer, size);
    FUZZ_CHECK(length < size); /* NUL-terminated inside the buffer */
    FUZZ_CHECK(!fuzz_has_control_char(buffer, length));
    FUZZ_CHECK(!memchr(buffer, '"', length) && !memchr(buffer, '\\', length));
}

static void check_split(const char *url)
{
    struct url_parts parts;
    bool split = url_split(url, &parts);
    /* The one-pass answer agrees with the parts it stands in for. */
    FUZZ_CHECK(url_is_http_with_host(url) == (split && url_is_http(&parts)));
    if(!split)
        return;
    size_t url_length = strlen(url);
    FUZZ_CHECK(parts.host_len > 0);
    /* The host lies inside the URL (scheme may be the literal "http" for a guessed one). */
    FUZZ_CHECK(parts.host >= url && parts.host + parts.host_len <= url + url_length);
    FUZZ_CHECK(!memchr(parts.host, '/', parts.host_len) &&
               !memchr(parts.host, '@', parts.host_len));
    url_is_http(&parts);
}

/* The redacted copy in a buffer that ends exactly where the allocation ends. */
static char *redact_into_exact(const char *url, size_t size)
{
    char *buffer = fuzz_exact_copy("", size);
    memset(buffer, 'Z', size);
    url_redact(url, buffer, size);
    check_shape(buffer, size);
    return buffer;
}

/* Bytes for one part, with the separators that would end that part left out. */
static void take_part(struct fuzz_input *in, const char *forbidden, size_t max, char *out)
{
    const uint8_t *bytes;
    size_t length = fuzz_bytes(in, max, &bytes);
    size_t used = 0;
    for(size_t i = 0; i < length; i++) {
        if(bytes[i] && !strchr(forbidden, bytes[i]))
            out[used++] = (char)bytes[i];
    }
    out[used] = '\0';
}

struct url_recipe {
    char scheme[16], user[32], password[32], host[64], path[64], fragment[32];
    char query_name[QUERY_ITEMS_MAX][16], query_value[QUERY_ITEMS_MAX][32];
    int query_items;
    bool has_userinfo, has_fragment;
};

static void take_recipe(struct fuzz_input *in, struct url_recipe *r)
{
    static const char *const schemes[] = {"http", "https", "ftp", "HTTPS", ""};
    uint8_t flags = fuzz_u8(in);
    snprintf(r->scheme, sizeof(r->scheme), "%s", schemes[flags % 5]);
    r->has_userinfo = flags & 0x08;
    r->has_fragment = flags & 0x10;
    take_part(in, ":@/?#", 16, r->user);
    take_part(in, "@/?#", 24, r->password);
    take_part(in, "@/?#", 40, r->host);
    take_part(in, "?#", 40, r->path);
    r->query_items = fuzz_u8(in) % (QUERY_ITEMS_MAX + 1);
    for(int i = 0; i < r->query_items; i++) {
        take_part(in, "=&#", 12, r->query_name[i]);
        take_part(in, "&#", 24, r->query_value[i]);
    }
    take_part(in, "", 24, r->fragment);
}

/* Builds the URL; with other_secrets the password, query values and fragment are swapped for
   fixed text of a different length. */
static void assemble(const struct url_recipe *r, bool other_secrets, char *url, size_t size)
{
    size_t used = 0;
#define APPEND(...) used += (size_t)snprintf(url + used, size - used, __VA_ARGS__)
    if(r->scheme[0])
        APPEND("%s://", r->scheme);
    if(r->has_userinfo)
        APPEND("%s:%s@", r->user, other_secrets ? PASSWORD_STAND_IN : r->password);
    APPEND("%s/%s", r->host, r->path);
    if(r->query_items) {
        APPEND("?");
        for(int i = 0; i < r->query_items; i++)
            APPEND("%s%s=%s", i ? "&" : "", r->query_name[i],
                   other_secrets ? QUERY_STAND_IN : r->query_value[i]);
    }
    if(r->has_fragment)
        APPEND("#%s", other_secrets ? FRAGMENT_STAND_IN : r->fragment);
#undef APPEND
}

/* The stand-in secrets are long and unusual, so finding one in a redacted copy is a leak and
   not a coincidence of the URL's public parts (unless the fuzzer spelled them there too). */
static void check_stand_in_absent(const char *redacted, const char *secret, const char *url)
{
    if(!strstr(url, secret))
        FUZZ_CHECK(!strstr(redacted, secret));
}

static void check_recipe(struct fuzz_input *in)
{
    struct url_recipe recipe;
    memset(&recipe, 0, sizeof(recipe));
    take_recipe(in, &recipe);
    char url[URL_MAX], other[URL_MAX];
    assemble(&recipe, false, url, sizeof(url));
    assemble(&recipe, true, other, sizeof(other));
    size_t size = 8 + fuzz_u16(in) % 600; /* log_format uses 512 */
    char *redacted = redact_into_exact(url, size);
    char *redacted_other = redact_into_exact(other, size);
    /* Equal output means nothing of the secrets got through, whatever they were. */
    FUZZ_CHECK(!strcmp(redacted, redacted_other));
    check_stand_in_absent(redacted_other, PASSWORD_STAND_IN, url);
    check_stand_in_absent(redacted_other, QUERY_STAND_IN, url);
    check_stand_in_absent(redacted_other, FRAGMENT_STAND_IN, url);
    free(redacted);
    free(redacted_other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    /* First the raw input, as any URL a program might set. */
    struct fuzz_input raw = in;
    size_t buffer_size = fuzz_u8(&raw) * 3; /* 0 included: must not write at all */
    char *url = fuzz_rest_as_string(&raw);
    check_split(url);
    char *buffer = redact_into_exact(url, buffer_size);
    free(buffer);
    free(url);

    check_recipe(&in);
    return 0;
}
