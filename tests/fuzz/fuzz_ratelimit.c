/* ratelimit_parse on arbitrary header text (not NUL-terminated: the parser must keep to the
   length), and the spacing it advises. The input: 8 bytes of the wall clock, then the text. */
#include "fuzz_input.h"
#include "policy/ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    long long now_ms = (long long)fuzz_upto(&in, 1ULL << 45);
    char *text = fuzz_exact_copy((const char *)in.data, in.left);
    struct ratelimit_info info;
    if(ratelimit_parse(text, in.left, now_ms, &info)) {
        FUZZ_CHECK(info.limit >= -1 && info.remaining >= -1);
        FUZZ_CHECK(info.reset_ms >= -1 && info.window_ms >= -1);
        FUZZ_CHECK(ratelimit_interval_us(&info) >= 0);
    }
    long ms;
    if(ratelimit_parse_duration(text, in.left, &ms))
        FUZZ_CHECK(ms >= 0);
    long long when;
    (void)ratelimit_parse_time(text, in.left, &when);
    free(text);
    return 0;
}
