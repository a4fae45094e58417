/* UUIDs from random bytes (RFC 9562): the idempotency keys and the per-call ids of the log.
   Pure: the caller brings the randomness (runtime/clock.c's clock_random_bytes, getrandom(2)). */
#ifndef TRYAGAIN_POLICY_UUID_H
#define TRYAGAIN_POLICY_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_RANDOM_BYTES 16
#define UUID_TEXT_SIZE 37 /* 36 characters and the terminator */

/* A version 4 UUID in lower-case 8-4-4-4-12 form: 122 of the 128 bits are random's, the version
   and variant bits are set. */
void uuid_format_v4(const uint8_t random[UUID_RANDOM_BYTES], char out[UUID_TEXT_SIZE]);

/* True when text is a UUID in that form (any version, either case): what a test checks. */
bool uuid_is_well_formed(const char *text, size_t length);

#endif
