/* origin_of_url on arbitrary URLs: what it gives is always a short, printable
   scheme://host:port in lowercase. */
#include <ctype.h>

#include "fuzz_input.h"
#include "policy/origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    memcpy(url, data, size);
    url[size] = '\0';
    char out[ORIGIN_MAX];
    if(origin_of_url(url, out, sizeof(out))) {
        FUZZ_CHECK(strlen(out) < ORIGIN_MAX);
        FUZZ_CHECK(strstr(out, "://") != NULL);
        FUZZ_CHECK(strrchr(out, ':') > strstr(out, "://"));
        for(const char *p = out; *p; p++)
            FUZZ_CHECK(!isupper((unsigned char)*p) && (unsigned char)*p >= 0x20);
        FUZZ_CHECK(origin_hash(out) > 1);
    }
    free(url);
    return 0;
}
