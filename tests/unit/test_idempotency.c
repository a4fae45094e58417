/* Idempotency keys: the header name, the program's own lines, which methods get a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/idempotency.h"

static void header_names_are_tokens(void **state)
{
    (void)state;
    char name[IDEMPOTENCY_NAME_MAX];
    assert_true(idempotency_name_parse("Idempotency-Key", name));
    assert_string_equal(name, "Idempotency-Key");
    assert_true(idempotency_name_parse("X-Idempotency_Key.v2", name));
    assert_false(idempotency_name_parse("", name));
    assert_string_equal(name, "");
    assert_false(idempotency_name_parse("Idem Key", name));
    assert_false(idempotency_name_parse("Key:", name));
    assert_false(idempotency_name_parse("Key\r\nX-Evil: 1", name));
    char long_name[80];
    memset(long_name, 'k', 65);
    long_name[65] = '\0';
    assert_false(idempotency_name_parse(long_name, name));
    long_name[64] = '\0';
    assert_true(idempotency_name_parse(long_name, name));
}

static void the_programs_lines_are_read_as_libcurl_sends_them(void **state)
{
    (void)state;
    const char *name = "Idempotency-Key";
    assert_int_equal(idempotency_classify_line(name, "Idempotency-Key: abc"), KEY_LINE_SET);
    assert_int_equal(idempotency_classify_line(name, "idempotency-key:abc"), KEY_LINE_SET);
    assert_int_equal(idempotency_classify_line(name, "Idempotency-Key:"), KEY_LINE_REMOVED);
    assert_int_equal(idempotency_classify_line(name, "Idempotency-Key:   "), KEY_LINE_REMOVED);
    assert_int_equal(idempotency_classify_line(name, "Idempotency-Key;"), KEY_LINE_REMOVED);
    assert_int_equal(idempotency_classify_line(name, "Idempotency-Keys: a"), KEY_LINE_OTHER);
    assert_int_equal(idempotency_classify_line(name, "Content-Type: text/plain"), KEY_LINE_OTHER);
    assert_int_equal(idempotency_classify_line(name, ""), KEY_LINE_OTHER);
}

static void non_idempotent_methods_get_a_key(void **state)
{
    (void)state;
    assert_true(idempotency_wants_key("POST"));
    assert_true(idempotency_wants_key("PATCH"));
    assert_true(idempotency_wants_key("CHARGE"));
    assert_false(idempotency_wants_key("GET"));
    assert_false(idempotency_wants_key("put"));
    assert_false(idempotency_wants_key("DELETE"));
    assert_false(idempotency_wants_key("HEAD"));
}

static void the_line_fits_or_is_refused(void **state)
{
    (void)state;
    char line[IDEMPOTENCY_LINE_MAX];
    assert_true(idempotency_header_line("Idempotency-Key", "0123", line, sizeof(line)));
    assert_string_equal(line, "Idempotency-Key: 0123");
    char small[8];
    assert_false(idempotency_header_line("Idempotency-Key", "0123", small, sizeof(small)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_names_are_tokens),
        cmocka_unit_test(the_programs_lines_are_read_as_libcurl_sends_them),
        cmocka_unit_test(non_idempotent_methods_get_a_key),
        cmocka_unit_test(the_line_fits_or_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
