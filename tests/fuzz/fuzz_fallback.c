/* TRYAGAIN_FALLBACK maps and URLs, both fuzzed: parsing never overruns and a map that parses
   has well-formed entries; a URL's fallback, once rewritten, has the fallback's host and the
   original's path, query and fragment, and finds no entry of its own host again unless the map
   says so; the rewrite never writes past its buffer; the switch counts as documented. */
#include <string.h>

#include "fuzz_input.h"
#include "policy/fallback.h"

static void check_map(const struct fallback_map *map)
{
    FUZZ_CHECK(map->count >= 0 && map->count <= FALLBACK_MAX);
    for(int i = 0; i < map->count; i++) {
        const struct fallback_entry *e = &map->entries[i];
        FUZZ_CHECK(e->from.name[0] && e->to.name[0]);
        FUZZ_CHECK(strlen(e->from.name) < FALLBACK_HOST_MAX);
        FUZZ_CHECK(e->from.port >= 0 && e->from.port <= 65535);
        FUZZ_CHECK(e->to.port >= 0 && e->to.port <= 65535);
        FUZZ_CHECK(!strpbrk(e->to.name, "/?#@ ,="));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    char *map_text = fuzz_string_until(&in, '\n');
    static struct fallback_map map;
    if(fallback_parse(map_text, &map))
        check_map(&map);
    else
        FUZZ_CHECK(map.count == 0);
    size_t out_size = fuzz_u16(&in) % 1024;
    int failures = fuzz_u8(&in) % 4;
    int before = failures;
    enum host_outcome outcome = (enum host_outcome)(fuzz_u8(&in) % 3);
    bool left = fuzz_bool(&in);
    long after = 1 + fuzz_u8(&in) % 4;
    bool due = fallback_due(&failures, after, outcome, left);
    FUZZ_CHECK(outcome == HOST_FINE ? failures == 0 && !due : failures == before + 1);
    FUZZ_CHECK(!due || left);

    char *url = fuzz_rest_as_string(&in);
    const struct fallback_entry *entry = fallback_find(&map, url);
    if(entry) {
        char *out = fuzz_exact_copy("", out_size ? out_size : 1);
        if(fallback_rewrite(url, entry, out, out_size)) {
            FUZZ_CHECK(strlen(out) < out_size);
            FUZZ_CHECK(strstr(out, entry->to.name) != NULL);
            /* What follows the authority is the original's, byte for byte. */
            const char *tail = url + strlen(url);
            const char *scheme = strstr(url, "://");
            const char *authority = scheme && (size_t)(scheme - url) <= 5 ? scheme + 3 : url;
            const char *path = authority + strcspn(authority, "/?#");
            if(path < tail)
                FUZZ_CHECK(strlen(out) >= strlen(path) &&
                           !strcmp(out + strlen(out) - strlen(path), path));
        }
        free(out);
    }
    free(url);
    free(map_text);
    return 0;
}
