/* The idempotency key's header name and the program's header lines: a name that parses is a
   token (so the line the library adds is one header and no more), the line fits or is refused,
   and classifying any line is safe. */
#include <string.h>

#include "fuzz_input.h"
#include "policy/idempotency.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    char *name_text = fuzz_string_until(&in, '\n');
    char name[IDEMPOTENCY_NAME_MAX];
    if(idempotency_name_parse(name_text, name)) {
        FUZZ_CHECK(!strcmp(name, name_text));
        FUZZ_CHECK(strlen(name) > 0 && strlen(name) < IDEMPOTENCY_NAME_MAX);
        FUZZ_CHECK(!strpbrk(name, " \t\r\n:;\"(),/<=>?@[\\]{}"));
        FUZZ_CHECK(!fuzz_has_control_char(name, strlen(name)));
        size_t line_size = 1 + fuzz_u8(&in) % IDEMPOTENCY_LINE_MAX;
        char *line = fuzz_exact_copy("", line_size);
        if(idempotency_header_line(name, "01234567-89ab-4def-8123-456789abcdef", line, line_size)) {
            FUZZ_CHECK(idempotency_classify_line(name, line) == KEY_LINE_SET);
            FUZZ_CHECK(strlen(line) < line_size);
        }
        free(line);
    }
    else {
        FUZZ_CHECK(name[0] == '\0');
    }
    char *line = fuzz_rest_as_string(&in);
    enum key_line kind = idempotency_classify_line(name, line);
    FUZZ_CHECK(kind == KEY_LINE_OTHER || kind == KEY_LINE_SET || kind == KEY_LINE_REMOVED);
    if(!name[0])
        FUZZ_CHECK(kind == KEY_LINE_OTHER);
    idempotency_wants_key(line);
    free(line);
    free(name_text);
    return 0;
}
