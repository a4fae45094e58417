/* request_id_rank and request_id_value on any header line: never past the line or the buffer,
   and a value that comes out holds only the characters ids are made of, so it can go into a
   text or JSON log line as it is. */
#include <string.h>

#include "fuzz_input.h"
#include "policy/request_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    size_t out_size = 2 + fuzz_u8(&in) % (REQUEST_ID_MAX - 1);
    char *line = fuzz_exact_copy(in.data, in.left);
    size_t length = in.left;
    int rank = request_id_rank(line, length);
    FUZZ_CHECK(rank >= 0);
    char *out = fuzz_exact_copy("", out_size);
    size_t got = request_id_value(line, length, out, out_size);
    FUZZ_CHECK(got < out_size && strlen(out) == got);
    for(size_t i = 0; i < got; i++) {
        unsigned char c = (unsigned char)out[i];
        FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ' ');
    }
    free(out);
    free(line);
    return 0;
}
