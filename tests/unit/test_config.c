/* config_parse with a table in place of the environment, and the list parsers it uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/config.h"
#include "policy/host_patterns.h"
#include "policy/status_set.h"

#define MAX_VARS 16
#define MAX_WARNINGS 8

struct fake_env {
    const char *name[MAX_VARS];
    const char *value[MAX_VARS];
    int count;
};

struct warnings {
    char line[MAX_WARNINGS][600];
    int count;
};

static const char *fake_lookup(const char *name, void *ctx)
{
    const struct fake_env *env = ctx;
    for(int i = 0; i < env->count; i++) {
        if(!strcmp(env->name[i], name))
            return env->value[i];
    }
    return NULL;
}

static void capture_warning(const char *line, void *ctx)
{
    struct warnings *warnings = ctx;
    if(warnings->count < MAX_WARNINGS) {
        snprintf(warnings->line[warnings->count], sizeof(warnings->line[0]), "%s", line);
        assert_null(strchr(line, '\n'));
    }
    warnings->count++;
}

static void parse_with(struct tryagain_config *config, struct warnings *warnings, int count, ...)
{
    struct fake_env env = {.count = 0};
    va_list args;
    va_start(args, count);
    for(int i = 0; i < count; i++) {
        env.name[i] = va_arg(args, const char *);
        env.value[i] = va_arg(args, const char *);
    }
    va_end(args);
    env.count = count;
    memset(warnings, 0, sizeof(*warnings));
    config_parse(config, fake_lookup, &env, capture_warning, warnings);
}

static void assert_default_statuses(const struct status_set *set)
{
    static const long expected[] = {408, 429, 500, 502, 503, 504};
    size_t found = 0;
    for(long status = 0; status < 1000; status++) {
        bool in = status_set_contains(set, status);
        bool wanted = false;
        for(size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
            wanted = wanted || expected[i] == status;
        assert_int_equal(in, wanted);
        found += in;
    }
    assert_int_equal(found, 6);
}

static void empty_environment_gives_every_default(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 0);
    assert_int_equal(warnings.count, 0);
    assert_int_equal(config.max_attempts, 5);
    assert_int_equal(config.base_delay_ms, 1000);
    assert_int_equal(config.max_delay_ms, 30000);
    assert_int_equal(config.jitter, JITTER_FULL);
    assert_int_equal(config.max_retry_after_ms, 60000);
    assert_int_equal(config.deadline_ms, 0);
    assert_default_statuses(&config.retry_status);
    assert_false(config.retry_unsafe);
    assert_int_equal(config.hosts.count, 0);
    assert_true(host_patterns_match(&config.hosts, "anything.example", 16));
    assert_int_equal(config.log_level, 0);
    assert_string_equal(config.log_file, "");
    assert_int_equal(config.log_format, LOG_FORMAT_TEXT);
    assert_false(config.stats);
    assert_int_equal(config.connect_kinds, CONNECT_TCP);
    assert_int_equal(config.connect_to.count, 0);
    assert_false(config.keep_deepbind);
}

static void empty_values_are_the_same_as_unset(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 3, "TRYAGAIN_MAX_ATTEMPTS", "", "TRYAGAIN_JITTER", "",
               "TRYAGAIN_RETRY_STATUS", "");
    assert_int_equal(warnings.count, 0);
    assert_int_equal(config.max_attempts, 5);
    assert_int_equal(config.jitter, JITTER_FULL);
    assert_default_statuses(&config.retry_status);
}

static void valid_values_are_taken(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 15, "TRYAGAIN_MAX_ATTEMPTS", "3", "TRYAGAIN_BASE_DELAY_MS", "50",
               "TRYAGAIN_MAX_DELAY_MS", " 2000 ", "TRYAGAIN_JITTER", "Decorrelated",
               "TRYAGAIN_MAX_RETRY_AFTER_MS", "0", "TRYAGAIN_DEADLINE_MS", "86400000",
               "TRYAGAIN_RETRY_STATUS", "429, 5xx", "TRYAGAIN_RETRY_UNSAFE", "1", "TRYAGAIN_HOSTS",
               "api.example.com,*.example.org", "TRYAGAIN_LOG", "2", "TRYAGAIN_LOG_FILE",
               "/tmp/tryagain.log", "TRYAGAIN_LOG_FORMAT", "json", "TRYAGAIN_STATS", "yes",
               "TRYAGAIN_CONNECT", "tcp,unix", "TRYAGAIN_KEEP_DEEPBIND", "1");
    assert_int_equal(warnings.count, 0);
    assert_int_equal(config.max_attempts, 3);
    assert_int_equal(config.base_delay_ms, 50);
    assert_int_equal(config.max_delay_ms, 2000);
    assert_int_equal(config.jitter, JITTER_DECORRELATED);
    assert_int_equal(config.max_retry_after_ms, 0);
    assert_int_equal(config.deadline_ms, 86400000);
    assert_true(status_set_contains(&config.retry_status, 429));
    assert_true(status_set_contains(&config.retry_status, 501));
    assert_false(status_set_contains(&config.retry_status, 408));
    assert_true(config.retry_unsafe);
    assert_int_equal(config.hosts.count, 2);
    assert_int_equal(config.log_level, 2);
    assert_string_equal(config.log_file, "/tmp/tryagain.log");
    assert_int_equal(config.log_format, LOG_FORMAT_JSON);
    assert_true(config.stats);
    assert_int_equal(config.connect_kinds, CONNECT_TCP | CONNECT_UNIX);
    assert_true(config.keep_deepbind);
}

static void every_jitter_word_is_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        enum jitter_mode mode;
    } cases[] = {{"full", JITTER_FULL},
                 {"EQUAL", JITTER_EQUAL},
                 {"decorrelated", JITTER_DECORRELATED},
                 {"none", JITTER_NONE}};
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tryagain_config config;
        struct warnings warnings;
        parse_with(&config, &warnings, 1, "TRYAGAIN_JITTER", cases[i].word);
        assert_int_equal(warnings.count, 0);
        assert_int_equal(config.jitter, cases[i].mode);
    }
}

static void connect_off_and_unix_are_accepted(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 1, "TRYAGAIN_CONNECT", "off");
    assert_int_equal(warnings.count, 0);
    assert_int_equal(config.connect_kinds, 0);
    parse_with(&config, &warnings, 1, "TRYAGAIN_CONNECT", "unix");
    assert_int_equal(warnings.count, 0);
    assert_int_equal(config.connect_kinds, CONNECT_UNIX);
}

/* One bad value: exactly one warning naming the variable, the value and the default. */
static void assert_one_warning(const struct warnings *warnings, const char *name, const char *value,
                               const char *default_text)
{
    assert_int_equal(warnings->count, 1);
    const char *line = warnings->line[0];
    assert_non_null(strstr(line, name));
    char quoted[128];
    snprintf(quoted, sizeof(quoted), "\"%s\"", value);
    assert_non_null(strstr(line, quoted));
    snprintf(quoted, sizeof(quoted), "default \"%s\"", default_text);
    assert_non_null(strstr(line, quoted));
}

static void bad_numbers_warn_once_and_use_the_default(void **state)
{
    (void)state;
    static const char *const bad[] = {"abc", "-3", "99999999999999999999", "5abc", "0", "101", "+5",
                                      "1.5", " "};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tryagain_config config;
        struct warnings warnings;
        parse_with(&config, &warnings, 1, "TRYAGAIN_MAX_ATTEMPTS", bad[i]);
        assert_one_warning(&warnings, "TRYAGAIN_MAX_ATTEMPTS", bad[i], "5");
        assert_int_equal(config.max_attempts, 5);
    }
}

static void bad_millisecond_values_warn_once_and_use_the_default(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *default_text;
        size_t offset;
        long default_value;
    } cases[] = {
        {"TRYAGAIN_BASE_DELAY_MS", "abc", "1000", offsetof(struct tryagain_config, base_delay_ms),
         1000},
        {"TRYAGAIN_MAX_DELAY_MS", "-3", "30000", offsetof(struct tryagain_config, max_delay_ms),
         30000},
        {"TRYAGAIN_MAX_RETRY_AFTER_MS", "99999999999999999999", "60000",
         offsetof(struct tryagain_config, max_retry_after_ms), 60000},
        {"TRYAGAIN_DEADLINE_MS", "86400001", "0", offsetof(struct tryagain_config, deadline_ms), 0},
    };
    for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tryagain_config config;
        struct warnings warnings;
        parse_with(&config, &warnings, 1, cases[i].name, cases[i].value);
        assert_one_warning(&warnings, cases[i].name, cases[i].value, cases[i].default_text);
        long got;
        memcpy(&got, (char *)&config + cases[i].offset, sizeof(got));
        assert_int_equal(got, cases[i].default_value);
    }
}

static void unknown_words_warn_once_and_use_the_default(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;

    parse_with(&config, &warnings, 1, "TRYAGAIN_JITTER", "sometimes");
    assert_one_warning(&warnings, "TRYAGAIN_JITTER", "sometimes", "full");
    assert_int_equal(config.jitter, JITTER_FULL);

    parse_with(&config, &warnings, 1, "TRYAGAIN_RETRY_UNSAFE", "maybe");
    assert_one_warning(&warnings, "TRYAGAIN_RETRY_UNSAFE", "maybe", "0");
    assert_false(config.retry_unsafe);

    parse_with(&config, &warnings, 1, "TRYAGAIN_LOG", "3");
    assert_one_warning(&warnings, "TRYAGAIN_LOG", "3", "0");
    assert_int_equal(config.log_level, 0);

    parse_with(&config, &warnings, 1, "TRYAGAIN_LOG_FORMAT", "xml");
    assert_one_warning(&warnings, "TRYAGAIN_LOG_FORMAT", "xml", "text");
    assert_int_equal(config.log_format, LOG_FORMAT_TEXT);

    parse_with(&config, &warnings, 1, "TRYAGAIN_CONNECT", "udp");
    assert_one_warning(&warnings, "TRYAGAIN_CONNECT", "udp", "tcp");
    assert_int_equal(config.connect_kinds, CONNECT_TCP);
}

static void malformed_status_lists_warn_once_and_use_the_default(void **state)
{
    (void)state;
    static const char *const bad[] = {"5xx,,429", "42",  "600", "399",
                                      "429,",     "5x9", "abc", "4294967725"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tryagain_config config;
        struct warnings warnings;
        parse_with(&config, &warnings, 1, "TRYAGAIN_RETRY_STATUS", bad[i]);
        assert_one_warning(&warnings, "TRYAGAIN_RETRY_STATUS", bad[i], "408,429,500,502,503,504");
        assert_default_statuses(&config.retry_status);
    }
}

static void malformed_host_lists_warn_once_and_match_every_host(void **state)
{
    (void)state;
    static const char *const bad[] = {"a.example,,b.example", "*", "*.", "exa mple.com",
                                      "api.example.com/path", "a,"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tryagain_config config;
        struct warnings warnings;
        parse_with(&config, &warnings, 1, "TRYAGAIN_HOSTS", bad[i]);
        assert_one_warning(&warnings, "TRYAGAIN_HOSTS", bad[i], "");
        assert_int_equal(config.hosts.count, 0);
    }
}

static void several_bad_values_give_one_warning_each(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 3, "TRYAGAIN_MAX_ATTEMPTS", "abc", "TRYAGAIN_JITTER", "x",
               "TRYAGAIN_BASE_DELAY_MS", "200");
    assert_int_equal(warnings.count, 2);
    assert_non_null(strstr(warnings.line[0], "TRYAGAIN_MAX_ATTEMPTS"));
    assert_non_null(strstr(warnings.line[1], "TRYAGAIN_JITTER"));
    assert_int_equal(config.base_delay_ms, 200);
}

static void a_null_warn_function_is_allowed(void **state)
{
    (void)state;
    struct fake_env env = {{"TRYAGAIN_MAX_ATTEMPTS"}, {"abc"}, 1};
    struct tryagain_config config;
    config_parse(&config, fake_lookup, &env, NULL, NULL);
    assert_int_equal(config.max_attempts, 5);
}

static void max_delay_below_base_delay_is_warned_about(void **state)
{
    (void)state;
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 2, "TRYAGAIN_BASE_DELAY_MS", "5000", "TRYAGAIN_MAX_DELAY_MS",
               "100");
    assert_int_equal(warnings.count, 1);
    assert_non_null(strstr(warnings.line[0], "TRYAGAIN_MAX_DELAY_MS"));
    assert_int_equal(config.base_delay_ms, 5000);
    assert_int_equal(config.max_delay_ms, 100);
}

static void a_long_bad_value_keeps_the_warning_line_whole(void **state)
{
    (void)state;
    char value[400];
    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    struct tryagain_config config;
    struct warnings warnings;
    parse_with(&config, &warnings, 1, "TRYAGAIN_RETRY_STATUS", value);
    assert_int_equal(warnings.count, 1);
    assert_non_null(strstr(warnings.line[0], "TRYAGAIN_RETRY_STATUS"));
    assert_non_null(strstr(warnings.line[0], "default \"408,429,500,502,503,504\""));
}

/* status_set_parse / status_set_contains */

static void status_classes_cover_a_hundred_codes(void **state)
{
    (void)state;
    struct status_set set;
    assert_true(status_set_parse("5xx", &set));
    for(long status = 400; status <= 599; status++)
        assert_int_equal(status_set_contains(&set, status), status >= 500);
    assert_true(status_set_parse("4XX", &set));
    for(long status = 400; status <= 599; status++)
        assert_int_equal(status_set_contains(&set, status), status < 500);
}

static void single_status_codes_are_exact(void **state)
{
    (void)state;
    struct status_set set;
    assert_true(status_set_parse("429", &set));
    for(long status = 400; status <= 599; status++)
        assert_int_equal(status_set_contains(&set, status), status == 429);
    assert_true(status_set_parse("400,599", &set));
    assert_true(status_set_contains(&set, 400));
    assert_true(status_set_contains(&set, 599));
    assert_false(status_set_contains(&set, 401));
}

static void statuses_outside_400_to_599_are_never_contained(void **state)
{
    (void)state;
    struct status_set set;
    assert_true(status_set_parse("4xx,5xx", &set));
    assert_false(status_set_contains(&set, 0));
    assert_false(status_set_contains(&set, -1));
    assert_false(status_set_contains(&set, 200));
    assert_false(status_set_contains(&set, 399));
    assert_false(status_set_contains(&set, 600));
    assert_false(status_set_contains(&set, 1000000));
}

static void malformed_status_lists_leave_the_set_unchanged(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    ",",   "5xx,,429", "42",  "600",  "4290",
                                      "3xx", "6xx", "x29",      "4x9", "-429", "429;503"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct status_set set;
        assert_true(status_set_parse("418", &set));
        assert_false(status_set_parse(bad[i], &set));
        assert_true(status_set_contains(&set, 418));
        assert_false(status_set_contains(&set, 429));
    }
}

static void status_lists_allow_spaces_around_items(void **state)
{
    (void)state;
    struct status_set set;
    assert_true(status_set_parse(" 408 ,\t429, 5xx ", &set));
    assert_true(status_set_contains(&set, 408));
    assert_true(status_set_contains(&set, 429));
    assert_true(status_set_contains(&set, 550));
}

/* host_patterns_parse / host_patterns_match */

static bool matches(const struct host_patterns *patterns, const char *host)
{
    return host_patterns_match(patterns, host, strlen(host));
}

static void host_patterns_match_exact_names_ignoring_case(void **state)
{
    (void)state;
    struct host_patterns patterns;
    assert_true(host_patterns_parse("API.Example.com", &patterns));
    assert_int_equal(patterns.count, 1);
    assert_true(matches(&patterns, "api.example.com"));
    assert_true(matches(&patterns, "API.EXAMPLE.COM"));
    assert_false(matches(&patterns, "example.com"));
    assert_false(matches(&patterns, "api.example.co"));
    assert_false(matches(&patterns, "api.example.com.evil"));
    assert_false(matches(&patterns, "xapi.example.com"));
}

static void host_match_uses_only_the_given_length(void **state)
{
    (void)state;
    struct host_patterns patterns;
    assert_true(host_patterns_parse("example.com", &patterns));
    const char *with_port = "example.com:8080";
    assert_true(host_patterns_match(&patterns, with_port, 11));
    assert_false(host_patterns_match(&patterns, with_port, 10));
}

static void wildcard_patterns_match_only_names_below_the_domain(void **state)
{
    (void)state;
    struct host_patterns patterns;
    assert_true(host_patterns_parse("*.example.org", &patterns));
    assert_true(matches(&patterns, "a.example.org"));
    assert_true(matches(&patterns, "a.b.example.org"));
    assert_true(matches(&patterns, "A.EXAMPLE.ORG"));
    assert_false(matches(&patterns, "example.org"));
    assert_false(matches(&patterns, "badexample.org"));
    assert_false(matches(&patterns, ".example.org.evil"));
    assert_false(matches(&patterns, "example.org.a"));
}

static void a_list_matches_any_of_its_patterns(void **state)
{
    (void)state;
    struct host_patterns patterns;
    assert_true(host_patterns_parse("api.example.com, *.example.org,127.0.0.1", &patterns));
    assert_int_equal(patterns.count, 3);
    assert_true(matches(&patterns, "api.example.com"));
    assert_true(matches(&patterns, "x.example.org"));
    assert_true(matches(&patterns, "127.0.0.1"));
    assert_false(matches(&patterns, "www.example.com"));
}

static void an_empty_host_list_matches_every_host(void **state)
{
    (void)state;
    struct host_patterns patterns;
    assert_true(host_patterns_parse("", &patterns));
    assert_int_equal(patterns.count, 0);
    assert_true(matches(&patterns, "anything"));
}

static void malformed_host_lists_are_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {",",   "a,,b", "a,",     "*",      "*.",
                                      "a b", "a/b",  "*a.com", "a.*.com"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct host_patterns patterns;
        assert_true(host_patterns_parse("keep.example", &patterns));
        assert_false(host_patterns_parse(bad[i], &patterns));
        assert_int_equal(patterns.count, 1);
    }
}

static void too_many_host_patterns_are_rejected(void **state)
{
    (void)state;
    char text[HOST_PATTERNS_MAX * 8 + 16] = "";
    for(int i = 0; i <= HOST_PATTERNS_MAX; i++) {
        char item[16];
        snprintf(item, sizeof(item), "%sh%d", i ? "," : "", i);
        strcat(text, item);
    }
    struct host_patterns patterns;
    assert_false(host_patterns_parse(text, &patterns));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_environment_gives_every_default),
        cmocka_unit_test(empty_values_are_the_same_as_unset),
        cmocka_unit_test(valid_values_are_taken),
        cmocka_unit_test(every_jitter_word_is_accepted),
        cmocka_unit_test(connect_off_and_unix_are_accepted),
        cmocka_unit_test(bad_numbers_warn_once_and_use_the_default),
        cmocka_unit_test(bad_millisecond_values_warn_once_and_use_the_default),
        cmocka_unit_test(unknown_words_warn_once_and_use_the_default),
        cmocka_unit_test(malformed_status_lists_warn_once_and_use_the_default),
        cmocka_unit_test(malformed_host_lists_warn_once_and_match_every_host),
        cmocka_unit_test(several_bad_values_give_one_warning_each),
        cmocka_unit_test(a_null_warn_function_is_allowed),
        cmocka_unit_test(max_delay_below_base_delay_is_warned_about),
        cmocka_unit_test(a_long_bad_value_keeps_the_warning_line_whole),
        cmocka_unit_test(status_classes_cover_a_hundred_codes),
        cmocka_unit_test(single_status_codes_are_exact),
        cmocka_unit_test(statuses_outside_400_to_599_are_never_contained),
        cmocka_unit_test(malformed_status_lists_leave_the_set_unchanged),
        cmocka_unit_test(status_lists_allow_spaces_around_items),
        cmocka_unit_test(host_patterns_match_exact_names_ignoring_case),
        cmocka_unit_test(host_match_uses_only_the_given_length),
        cmocka_unit_test(wildcard_patterns_match_only_names_below_the_domain),
        cmocka_unit_test(a_list_matches_any_of_its_patterns),
        cmocka_unit_test(an_empty_host_list_matches_every_host),
        cmocka_unit_test(malformed_host_lists_are_rejected),
        cmocka_unit_test(too_many_host_patterns_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
