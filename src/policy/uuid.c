#include "policy/uuid.h"

#include <string.h>

void uuid_format_v4(const uint8_t random[UUID_RANDOM_BYTES], char out[UUID_TEXT_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t bytes[UUID_RANDOM_BYTES];
    memcpy(bytes, random, sizeof(bytes));
    bytes[6] = (uint8_t)((bytes[6] & 0x0f) | 0x40); /* version 4 */
    bytes[8] = (uint8_t)((bytes[8] & 0x3f) | 0x80); /* variant 10 */
    size_t used = 0;
    for(size_t i = 0; i < sizeof(bytes); i++) {
        if(i == 4 || i == 6 || i == 8 || i == 10)
            out[used++] = '-';
        out[used++] = hex[bytes[i] >> 4];
        out[used++] = hex[bytes[i] & 0x0f];
    }
    out[used] = '\0';
}

bool uuid_is_well_formed(const char *text, size_t length)
{
    if(length != UUID_TEXT_SIZE - 1)
        return false;
    for(size_t i = 0; i < length; i++) {
        char c = text[i];
        if(i == 8 || i == 13 || i == 18 || i == 23) {
            if(c != '-')
                return false;
        }
        else if(!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}
