/* uuid_format_v4 from any 16 bytes: always a well-formed version 4, variant 10 UUID that
   keeps all 122 random bits (formatting two inputs that differ in a kept bit differs). */
#include <string.h>

#include "fuzz_input.h"
#include "policy/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    uint8_t random[UUID_RANDOM_BYTES];
    for(size_t i = 0; i < sizeof(random); i++)
        random[i] = fuzz_u8(&in);
    char text[UUID_TEXT_SIZE];
    uuid_format_v4(random, text);
    FUZZ_CHECK(strlen(text) == UUID_TEXT_SIZE - 1);
    FUZZ_CHECK(uuid_is_well_formed(text, strlen(text)));
    FUZZ_CHECK(text[14] == '4' && strchr("89ab", text[19]));
    /* Flip one random bit outside the version and variant bits: the text must change. */
    unsigned bit = fuzz_u8(&in) % 128;
    bool fixed = (bit / 8 == 6 && bit % 8 >= 4) || (bit / 8 == 8 && bit % 8 >= 6);
    if(!fixed) {
        random[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        char other[UUID_TEXT_SIZE];
        uuid_format_v4(random, other);
        FUZZ_CHECK(strcmp(text, other) != 0);
    }
    /* And the checker on any text. */
    char *rest = fuzz_rest_as_string(&in);
    uuid_is_well_formed(rest, strlen(rest));
    free(rest);
    return 0;
}
