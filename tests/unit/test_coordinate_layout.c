/* The shared state file's layout is a contract between processes built at different times: its
   sizes and offsets are pinned here, and changing them needs a new COORD_VERSION. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "coordinate/layout.h"

static void the_layout_is_pinned(void **state)
{
    (void)state;
    assert_int_equal(COORD_VERSION, 1);
    assert_int_equal(sizeof(struct coord_header), 64);
    assert_int_equal(sizeof(struct coord_host), 280);
    assert_int_equal(COORD_FILE_SIZE, 64 + 280 * COORD_HOSTS);
    assert_int_equal(offsetof(struct coord_host, key), 0);
    assert_int_equal(offsetof(struct coord_host, tat_us), 8);
    assert_int_equal(offsetof(struct coord_host, interval_us), 16);
    assert_int_equal(offsetof(struct coord_host, budget), 64);
    assert_int_equal(offsetof(struct coord_host, lessons), 160);
    assert_int_equal(offsetof(struct coord_host, streak_start_ms), 168);
    assert_int_equal(offsetof(struct coord_host, measured), 176);
    assert_int_equal(offsetof(struct coord_host, origin), 184);
    assert_true(atomic_is_lock_free((_Atomic uint64_t *)0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(the_layout_is_pinned)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
