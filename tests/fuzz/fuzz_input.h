/* Shared by the libFuzzer targets: reading structured values out of the fuzzer's bytes, and a
   failure report that libFuzzer records as a crash (with the input saved). Header-only so each
   target stays one translation unit plus the pure sources it tests. */
#ifndef TRYAGAIN_FUZZ_INPUT_H
#define TRYAGAIN_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant broke: abort() so libFuzzer keeps the input as a crash-* file. */
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if(!(condition)) {                                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition);      \
            abort();                                                                               \
        }                                                                                          \
    } while(0)

/* The fuzzer's bytes, consumed from the front. Once they run out every read gives zeros, so a
   short input is still a complete (if dull) scenario. */
struct fuzz_input {
    const uint8_t *data;
    size_t left;
};

static inline struct fuzz_input fuzz_input_from(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size};
    return in;
}

static inline bool fuzz_empty(const struct fuzz_input *in)
{
    return in->left == 0;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    if(!in->left)
        return 0;
    in->left--;
    return *in->data++;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t high = fuzz_u8(in);
    return (uint16_t)(high << 8 | fuzz_u8(in));
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
    uint32_t high = fuzz_u16(in);
    return high << 16 | fuzz_u16(in);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t high = fuzz_u32(in);
    return high << 32 | fuzz_u32(in);
}

static inline bool fuzz_bool(struct fuzz_input *in)
{
    return fuzz_u8(in) & 1;
}

/* A number in 0..max, spread over the whole range. */
static inline uint64_t fuzz_upto(struct fuzz_input *in, uint64_t max)
{
    uint64_t raw = max < 0x100            ? fuzz_u8(in)
                   : max < 0x10000        ? fuzz_u16(in)
                   : max < 0x100000000ULL ? fuzz_u32(in)
                                          : fuzz_u64(in);
    return max == UINT64_MAX ? raw : raw % (max + 1);
}

/* Up to max bytes (the count comes from the input). Returns how many were taken; *out points
   into the input, which libFuzzer keeps alive for the whole call. */
static inline size_t fuzz_bytes(struct fuzz_input *in, size_t max, const uint8_t **out)
{
    size_t length = (size_t)fuzz_upto(in, max);
    if(length > in->left)
        length = in->left;
    *out = in->data;
    in->data += length;
    in->left -= length;
    return length;
}

/* The rest of the input as a NUL-terminated string, cut at its first NUL. malloc'ed, so
   AddressSanitizer sees the exact end of the text. */
static inline char *fuzz_rest_as_string(struct fuzz_input *in)
{
    size_t length = strnlen((const char *)in->data, in->left);
    char *text = malloc(length + 1);
    if(!text)
        abort();
    memcpy(text, in->data, length);
    text[length] = '\0';
    in->data += in->left;
    in->left = 0;
    return text;
}

/* The next item up to a separator byte (not included) as a malloc'ed string; NUL bytes inside
   are dropped since C strings cannot hold them. */
static inline char *fuzz_string_until(struct fuzz_input *in, uint8_t separator)
{
    size_t length = 0;
    while(length < in->left && in->data[length] != separator)
        length++;
    char *text = malloc(length + 1);
    if(!text)
        abort();
    size_t kept = 0;
    for(size_t i = 0; i < length; i++) {
        if(in->data[i])
            text[kept++] = (char)in->data[i];
    }
    text[kept] = '\0';
    size_t consumed = length < in->left ? length + 1 : length;
    in->data += consumed;
    in->left -= consumed;
    return text;
}

/* A copy of size bytes that ends exactly where the allocation ends, so any read past it is an
   AddressSanitizer report rather than a silent look at neighbouring memory. */
static inline char *fuzz_exact_copy(const void *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if(!copy)
        abort();
    if(size)
        memcpy(copy, data, size);
    return copy;
}

static inline bool fuzz_has_control_char(const char *text, size_t length)
{
    for(size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if(c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

#endif
