/* uuid_format_v4 and uuid_is_well_formed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/uuid.h"

static void version_and_variant_bits_are_set(void **state)
{
    (void)state;
    uint8_t zeros[UUID_RANDOM_BYTES] = {0};
    uint8_t ones[UUID_RANDOM_BYTES];
    memset(ones, 0xff, sizeof(ones));
    char text[UUID_TEXT_SIZE];
    uuid_format_v4(zeros, text);
    assert_string_equal(text, "00000000-0000-4000-8000-000000000000");
    uuid_format_v4(ones, text);
    assert_string_equal(text, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

static void every_other_bit_is_the_randomness(void **state)
{
    (void)state;
    uint8_t bytes[UUID_RANDOM_BYTES] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    char text[UUID_TEXT_SIZE];
    uuid_format_v4(bytes, text);
    assert_string_equal(text, "01234567-89ab-4def-8123-456789abcdef");
    assert_true(uuid_is_well_formed(text, strlen(text)));
}

static void malformed_text_is_no_uuid(void **state)
{
    (void)state;
    assert_true(uuid_is_well_formed("01234567-89AB-4DEF-8123-456789ABCDEF", 36));
    assert_false(uuid_is_well_formed("01234567-89ab-4def-8123-456789abcde", 35));
    assert_false(uuid_is_well_formed("01234567089ab-4def-8123-456789abcdef", 36));
    assert_false(uuid_is_well_formed("0123456g-89ab-4def-8123-456789abcdef", 36));
    assert_false(uuid_is_well_formed("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_and_variant_bits_are_set),
        cmocka_unit_test(every_other_bit_is_the_randomness),
        cmocka_unit_test(malformed_text_is_no_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
