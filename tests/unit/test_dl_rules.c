/* The pure side of the dlopen and dlsym hooks: which names are hooks, and dlopen's mode. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/dl_rules.h"

static void every_hook_is_known_by_its_name(void **state)
{
    (void)state;
    for(int i = 0; i < HOOKED_COUNT; i++) {
        const char *name = dl_rules_symbol_name((enum hooked_symbol)i);
        assert_non_null(name);
        assert_int_equal(dl_rules_hooked_symbol(name), i);
    }
    assert_int_equal(dl_rules_hooked_symbol("curl_easy_perform"), HOOKED_EASY_PERFORM);
    assert_int_equal(dl_rules_hooked_symbol("connect"), HOOKED_CONNECT);
    assert_null(dl_rules_symbol_name(HOOKED_NONE));
    assert_null(dl_rules_symbol_name(HOOKED_COUNT));
}

static void other_names_are_not_hooks(void **state)
{
    (void)state;
    static const char *const others[] = {
        "",
        "c",
        "curl_easy_",
        "curl_easy_init",
        "curl_easy_getinfo",
        "curl_multi_perform",
        "connectx",
        "connec",
        "curl_easy_performX",
        "Curl_easy_perform",
        "curl_easy_strerror",
        "dlopen",
        "dlsym",
        "strlen",
    };
    for(size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_int_equal(dl_rules_hooked_symbol(others[i]), HOOKED_NONE);
    assert_int_equal(dl_rules_hooked_symbol(NULL), HOOKED_NONE);
}

static void only_deepbind_is_cleared_and_only_when_set(void **state)
{
    (void)state;
    assert_int_equal(dl_rules_open_mode(RTLD_LAZY | RTLD_GLOBAL | RTLD_DEEPBIND, false),
                     RTLD_LAZY | RTLD_GLOBAL);
    assert_int_equal(dl_rules_open_mode(RTLD_NOW | RTLD_DEEPBIND | RTLD_NODELETE, false),
                     RTLD_NOW | RTLD_NODELETE);
    assert_int_equal(dl_rules_open_mode(RTLD_NOW | RTLD_NOLOAD, false), RTLD_NOW | RTLD_NOLOAD);
    assert_int_equal(dl_rules_open_mode(RTLD_LAZY, false), RTLD_LAZY);
    /* Unknown bits a future glibc may define pass through as given. */
    assert_int_equal(dl_rules_open_mode(0x40000 | RTLD_DEEPBIND | RTLD_NOW, false),
                     0x40000 | RTLD_NOW);
}

static void keeping_deepbind_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(dl_rules_open_mode(RTLD_LAZY | RTLD_GLOBAL | RTLD_DEEPBIND, true),
                     RTLD_LAZY | RTLD_GLOBAL | RTLD_DEEPBIND);
    assert_int_equal(dl_rules_open_mode(RTLD_NOW, true), RTLD_NOW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_hook_is_known_by_its_name),
        cmocka_unit_test(other_names_are_not_hooks),
        cmocka_unit_test(only_deepbind_is_cleared_and_only_when_set),
        cmocka_unit_test(keeping_deepbind_changes_nothing),
    };
    return cmocka_run_group_tests_name("dl rules", tests, NULL, NULL);
}
