/* LD_PRELOAD as the tryagain command composes it (src/launcher/preload.c): the library first,
   the program's own preloads kept after it, and values it cannot express refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "preload.h"

static void expect_preload(const char *old_value, const char *expected)
{
    char out[256];
    assert_true(preload_compose("/opt/lib/libtryagain.so", old_value, out, sizeof(out)));
    assert_string_equal(out, expected);
}

static void test_preload_compose(void **state)
{
    (void)state;
    expect_preload(NULL, "/opt/lib/libtryagain.so");
    expect_preload("", "/opt/lib/libtryagain.so");
    expect_preload("/a.so", "/opt/lib/libtryagain.so:/a.so");
    expect_preload("/a.so /b.so", "/opt/lib/libtryagain.so:/a.so:/b.so");
    expect_preload("/a.so:/b.so", "/opt/lib/libtryagain.so:/a.so:/b.so");
    expect_preload("/opt/lib/libtryagain.so", "/opt/lib/libtryagain.so");
    expect_preload("/a.so /opt/lib/libtryagain.so", "/opt/lib/libtryagain.so:/a.so");
    expect_preload("  /a.so::", "/opt/lib/libtryagain.so:/a.so");
    char small[16];
    assert_false(preload_compose("/opt/lib/libtryagain.so", NULL, small, sizeof(small)));
    char out[64];
    assert_false(preload_compose("/my lib/libtryagain.so", NULL, out, sizeof(out)));
    assert_false(preload_compose("/a:b/libtryagain.so", NULL, out, sizeof(out)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preload_compose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
