/* The pure side of connect() retries on fuzzed addresses: a log target is always one terminated
   line without control characters, whatever bytes and length the program passed, and the
   errno and binding rules never read past what they were given. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz_input.h"
#include "policy/connect_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    static const int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, AF_PACKET};
    int family = families[fuzz_u8(&in) % 5];
    size_t buffer_size = (size_t)fuzz_upto(&in, 160);
    const uint8_t *bytes;
    size_t length = fuzz_bytes(&in, sizeof(struct sockaddr_storage), &bytes);
    /* Exactly length bytes on the heap, so ASan sees any read past them. */
    struct sockaddr *address = malloc(length ? length : 1);
    memcpy(address, bytes, length);
    if(length >= sizeof(sa_family_t))
        address->sa_family = (sa_family_t)family;

    char *text = malloc(buffer_size ? buffer_size : 1);
    const char *described = connect_describe_target(address, (socklen_t)length, text, buffer_size);
    FUZZ_CHECK(described == text);
    if(buffer_size) {
        size_t text_length = strnlen(text, buffer_size);
        FUZZ_CHECK(text_length < buffer_size);
        FUZZ_CHECK(!fuzz_has_control_char(text, text_length));
    }
    (void)connect_binding_needs_restoring(address, (socklen_t)length, fuzz_bool(&in));

    char unknown[32];
    int error = fuzz_bool(&in) ? (int)fuzz_u32(&in) : (int)fuzz_upto(&in, 140);
    const char *words = connect_errno_text(error, unknown, sizeof(unknown));
    FUZZ_CHECK(words && !fuzz_has_control_char(words, strlen(words)));
    int kind = connect_kind_of_family(family);
    if(connect_errno_retryable(kind, error))
        FUZZ_CHECK(connect_errno_candidate(error));
    free(text);
    free(address);
    return 0;
}
