/* The tryagain command line (src/launcher/flags.c): every flag with good and bad values, the
   shape of the command, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flags.h"

/* argv ends with NULL, as main()'s does. */
static void parse(struct launch_plan *plan, char *const argv[])
{
    int argc = 0;
    while(argv[argc])
        argc++;
    flags_parse(argc, argv, plan);
}

static const char *value_of(const struct launch_plan *plan, const char *name)
{
    const struct env_setting *setting = launch_plan_find(plan, name);
    return setting ? env_setting_value(setting) : NULL;
}

/* One flag with one value, in both spellings ("--flag value" and "--flag=value"): the variable
   it sets, or NULL when the value is rejected (then the error names the flag). */
static void expect_flag(const char *flag, const char *value, const char *variable,
                        const char *expected)
{
    char joined[2048];
    snprintf(joined, sizeof(joined), "%s=%s", flag, value);
    char *separate[] = {"tryagain", (char *)flag, (char *)value, "cmd", NULL};
    char *together[] = {"tryagain", joined, "cmd", NULL};
    char *const *forms[] = {separate, together};
    for(int i = 0; i < 2; i++) {
        struct launch_plan plan;
        parse(&plan, forms[i]);
        if(!expected) {
            assert_int_equal(plan.mode, MODE_ERROR);
            assert_non_null(strstr(plan.error, flag));
            assert_null(strchr(plan.error, '\n')); /* one line */
            assert_false(plan.show_usage);
            continue;
        }
        assert_int_equal(plan.mode, MODE_RUN);
        assert_string_equal(forms[i][plan.command_index], "cmd");
        assert_string_equal(value_of(&plan, variable), expected);
    }
}

/* A flag renamed in a later release keeps its former name, so older scripts run on. */
static void test_a_former_flag_name_still_works(void **state)
{
    (void)state;
    expect_flag("--connect-to", "127.0.0.1:5432", "TRYAGAIN_CONNECT_TO", "127.0.0.1:5432");
    expect_flag("--wait-for", "db:5432", "TRYAGAIN_CONNECT_TO", "db:5432");
}

static void test_attempts(void **state)
{
    (void)state;
    expect_flag("--attempts", "1", "TRYAGAIN_MAX_ATTEMPTS", "1");
    expect_flag("--attempts", "100", "TRYAGAIN_MAX_ATTEMPTS", "100");
    expect_flag("--attempts", "007", "TRYAGAIN_MAX_ATTEMPTS", "7");
    expect_flag("--attempts", "0", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", "101", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", "-1", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", "3x", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", " 3", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", "", "TRYAGAIN_MAX_ATTEMPTS", NULL);
    expect_flag("--attempts", "99999999999999999999", "TRYAGAIN_MAX_ATTEMPTS", NULL);
}

static void test_duration_flags(void **state)
{
    (void)state;
    const char *flags[] = {"--base-delay", "--max-delay", "--max-retry-after", "--deadline"};
    const char *variables[] = {"TRYAGAIN_BASE_DELAY_MS", "TRYAGAIN_MAX_DELAY_MS",
                               "TRYAGAIN_MAX_RETRY_AFTER_MS", "TRYAGAIN_DEADLINE_MS"};
    for(int i = 0; i < 4; i++) {
        expect_flag(flags[i], "250ms", variables[i], "250");
        expect_flag(flags[i], "2s", variables[i], "2000");
        expect_flag(flags[i], "3", variables[i], "3000");
        expect_flag(flags[i], "1.5s", variables[i], "1500");
        expect_flag(flags[i], "1m", variables[i], "60000");
        expect_flag(flags[i], "1h", variables[i], "3600000");
        expect_flag(flags[i], "0", variables[i], "0");
        expect_flag(flags[i], "24h", variables[i], "86400000");
        expect_flag(flags[i], "abc", variables[i], NULL);
        expect_flag(flags[i], "25h", variables[i], NULL);
        expect_flag(flags[i], "-1s", variables[i], NULL);
        expect_flag(flags[i], "2d", variables[i], NULL);
        expect_flag(flags[i], "", variables[i], NULL);
    }
}

static void test_duration_parser(void **state)
{
    (void)state;
    long ms = -1;
    assert_int_equal(duration_parse_ms("0.25", &ms), DURATION_OK);
    assert_int_equal(ms, 250);
    assert_int_equal(duration_parse_ms("1.5m", &ms), DURATION_OK);
    assert_int_equal(ms, 90000);
    assert_int_equal(duration_parse_ms("86400000ms", &ms), DURATION_OK);
    assert_int_equal(ms, 86400000);
    assert_int_equal(duration_parse_ms("86400001ms", &ms), DURATION_TOO_LONG);
    assert_int_equal(duration_parse_ms("99999999999999999999s", &ms), DURATION_TOO_LONG);
    assert_int_equal(duration_parse_ms("1.0005s", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("1.5ms", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms(".5s", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("1.s", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("1 s", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("1S", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("s", &ms), DURATION_MALFORMED);
    assert_int_equal(duration_parse_ms("1e3", &ms), DURATION_MALFORMED);
}

static void test_error_line_wording(void **state)
{
    (void)state;
    struct launch_plan plan;
    char *argv[] = {"tryagain", "--base-delay", "abc", "cmd", NULL};
    parse(&plan, argv);
    assert_string_equal(plan.error,
                        "tryagain: --base-delay: \"abc\" is not a duration (e.g. 250ms, 2s, 1m)");
    char *too_long[] = {"tryagain", "--deadline=25h", "cmd", NULL};
    parse(&plan, too_long);
    assert_non_null(strstr(plan.error, "24h"));
}

static void test_jitter(void **state)
{
    (void)state;
    const char *good[] = {"full", "equal", "decorrelated", "none", "FULL"};
    for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_flag("--jitter", good[i], "TRYAGAIN_JITTER", good[i]);
    expect_flag("--jitter", "random", "TRYAGAIN_JITTER", NULL);
    expect_flag("--jitter", "", "TRYAGAIN_JITTER", NULL);
}

static void test_status(void **state)
{
    (void)state;
    expect_flag("--status", "429", "TRYAGAIN_RETRY_STATUS", "429");
    expect_flag("--status", "408,429,5xx", "TRYAGAIN_RETRY_STATUS", "408,429,5xx");
    expect_flag("--status", "4XX", "TRYAGAIN_RETRY_STATUS", "4XX");
    expect_flag("--status", "200", "TRYAGAIN_RETRY_STATUS", NULL);
    expect_flag("--status", "600", "TRYAGAIN_RETRY_STATUS", NULL);
    expect_flag("--status", "429,,503", "TRYAGAIN_RETRY_STATUS", NULL);
    expect_flag("--status", "5xx,", "TRYAGAIN_RETRY_STATUS", NULL);
    expect_flag("--status", "abc", "TRYAGAIN_RETRY_STATUS", NULL);
    expect_flag("--status", "", "TRYAGAIN_RETRY_STATUS", NULL);
}

static void test_hosts(void **state)
{
    (void)state;
    expect_flag("--hosts", "api.example.com", "TRYAGAIN_HOSTS", "api.example.com");
    expect_flag("--hosts", "api.example.com,*.example.org", "TRYAGAIN_HOSTS",
                "api.example.com,*.example.org");
    expect_flag("--hosts", "a b", "TRYAGAIN_HOSTS", NULL);
    expect_flag("--hosts", "*.", "TRYAGAIN_HOSTS", NULL);
    expect_flag("--hosts", "a,,b", "TRYAGAIN_HOSTS", NULL);
    expect_flag("--hosts", "", "TRYAGAIN_HOSTS", NULL);
}

static void test_connect(void **state)
{
    (void)state;
    const char *good[] = {"tcp", "unix", "tcp,unix", "unix,tcp", "off"};
    for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_flag("--connect", good[i], "TRYAGAIN_CONNECT", good[i]);
    expect_flag("--connect", "udp", "TRYAGAIN_CONNECT", NULL);
    expect_flag("--connect", "tcp,udp", "TRYAGAIN_CONNECT", NULL);
    expect_flag("--connect", "", "TRYAGAIN_CONNECT", NULL);
}

static void test_connect_to(void **state)
{
    (void)state;
    const char *list = "db:5432,127.0.0.1:5432,:6379,[::1]:80,localhost:8080,/run/app.sock";
    expect_flag("--wait-for", list, "TRYAGAIN_CONNECT_TO", list);
    expect_flag("--wait-for", "127.0.0.1", "TRYAGAIN_CONNECT_TO", "127.0.0.1");
    expect_flag("--wait-for", "no pe", "TRYAGAIN_CONNECT_TO", NULL);
    expect_flag("--wait-for", "127.0.0.1:99999", "TRYAGAIN_CONNECT_TO", NULL);
    expect_flag("--wait-for", "", "TRYAGAIN_CONNECT_TO", NULL);
    expect_flag("--connect-wait", "45s", "TRYAGAIN_CONNECT_WAIT_MS", "45000");
    expect_flag("--connect-any-wait", "0", "TRYAGAIN_CONNECT_ANY_WAIT_MS", "0");
}

static void test_log_file(void **state)
{
    (void)state;
    expect_flag("--log-file", "/tmp/tryagain.log", "TRYAGAIN_LOG_FILE", "/tmp/tryagain.log");
    expect_flag("--log-file", "", "TRYAGAIN_LOG_FILE", NULL);
    char *long_path = malloc(1100);
    memset(long_path, 'a', 1099);
    long_path[1099] = '\0';
    expect_flag("--log-file", long_path, "TRYAGAIN_LOG_FILE", NULL);
    free(long_path);
}

static void expect_switches(char *const argv[], const char *variable, const char *expected)
{
    struct launch_plan plan;
    parse(&plan, argv);
    assert_int_equal(plan.mode, MODE_RUN);
    assert_string_equal(value_of(&plan, variable), expected);
}

static void test_switches(void **state)
{
    (void)state;
    char *unsafe[] = {"tryagain", "--unsafe", "cmd", NULL};
    expect_switches(unsafe, "TRYAGAIN_RETRY_UNSAFE", "1");
    char *json[] = {"tryagain", "--json", "cmd", NULL};
    expect_switches(json, "TRYAGAIN_LOG_FORMAT", "json");
    char *stats[] = {"tryagain", "--stats", "cmd", NULL};
    expect_switches(stats, "TRYAGAIN_STATS", "1");
    char *with_value[] = {"tryagain", "--stats=1", "cmd", NULL};
    struct launch_plan plan;
    parse(&plan, with_value);
    assert_int_equal(plan.mode, MODE_ERROR);
    assert_non_null(strstr(plan.error, "--stats"));
}

static void test_verbosity(void **state)
{
    (void)state;
    char *one[] = {"tryagain", "-v", "cmd", NULL};
    expect_switches(one, "TRYAGAIN_LOG", "1");
    char *long_form[] = {"tryagain", "--verbose", "cmd", NULL};
    expect_switches(long_form, "TRYAGAIN_LOG", "1");
    char *two[] = {"tryagain", "-vv", "cmd", NULL};
    expect_switches(two, "TRYAGAIN_LOG", "2");
    char *separate[] = {"tryagain", "-v", "--verbose", "cmd", NULL};
    expect_switches(separate, "TRYAGAIN_LOG", "2");
    char *three[] = {"tryagain", "-vvv", "cmd", NULL};
    expect_switches(three, "TRYAGAIN_LOG", "2");
    char *wrong[] = {"tryagain", "-vx", "cmd", NULL};
    struct launch_plan plan;
    parse(&plan, wrong);
    assert_int_equal(plan.mode, MODE_ERROR);
}

static void test_no_flags_sets_nothing(void **state)
{
    (void)state;
    char *argv[] = {"tryagain", "cmd", "arg", NULL};
    struct launch_plan plan;
    parse(&plan, argv);
    assert_int_equal(plan.mode, MODE_RUN);
    assert_int_equal(plan.command_index, 1);
    assert_int_equal(plan.setting_count, 0);
}

static void test_later_flag_wins(void **state)
{
    (void)state;
    char *argv[] = {"tryagain", "--attempts", "3", "--attempts=7", "cmd", NULL};
    struct launch_plan plan;
    parse(&plan, argv);
    assert_int_equal(plan.setting_count, 1);
    assert_string_equal(value_of(&plan, "TRYAGAIN_MAX_ATTEMPTS"), "7");
}

static void test_command_arguments_are_its_own(void **state)
{
    (void)state;
    char *argv[] = {"tryagain", "-v", "curl", "--attempts", "x", "-v", NULL};
    struct launch_plan plan;
    parse(&plan, argv);
    assert_int_equal(plan.mode, MODE_RUN);
    assert_int_equal(plan.command_index, 2);
    assert_string_equal(value_of(&plan, "TRYAGAIN_LOG"), "1");
    char *dashes[] = {"tryagain", "--stats", "--", "--weird-command", NULL};
    parse(&plan, dashes);
    assert_int_equal(plan.mode, MODE_RUN);
    assert_int_equal(plan.command_index, 3);
    char *doctor_named[] = {"tryagain", "--", "doctor", "x", NULL};
    parse(&plan, doctor_named);
    assert_int_equal(plan.mode, MODE_RUN);
    assert_int_equal(plan.command_index, 2);
}

static void expect_usage_error(char *const argv[], bool show_usage)
{
    struct launch_plan plan;
    parse(&plan, argv);
    assert_int_equal(plan.mode, MODE_ERROR);
    assert_int_equal(plan.show_usage, show_usage);
    assert_non_null(strstr(plan.error, "tryagain"));
}

static void test_shape_errors(void **state)
{
    (void)state;
    char *nothing[] = {"tryagain", NULL};
    expect_usage_error(nothing, true);
    char *only_flags[] = {"tryagain", "-v", "--stats", NULL};
    expect_usage_error(only_flags, true);
    char *only_dashes[] = {"tryagain", "--", NULL};
    expect_usage_error(only_dashes, true);
    char *unknown[] = {"tryagain", "--retry", "cmd", NULL};
    expect_usage_error(unknown, false);
    char *unknown_short[] = {"tryagain", "-x", "cmd", NULL};
    expect_usage_error(unknown_short, false);
    char *missing_value[] = {"tryagain", "--attempts", NULL};
    expect_usage_error(missing_value, false);
    char *doctor_alone[] = {"tryagain", "doctor", NULL};
    expect_usage_error(doctor_alone, false);
    char *doctor_two[] = {"tryagain", "doctor", "a", "b", NULL};
    expect_usage_error(doctor_two, false);
}

static void test_help_version_doctor(void **state)
{
    (void)state;
    struct launch_plan plan;
    char *help[] = {"tryagain", "--help", NULL};
    parse(&plan, help);
    assert_int_equal(plan.mode, MODE_HELP);
    char *short_help[] = {"tryagain", "-h", NULL};
    parse(&plan, short_help);
    assert_int_equal(plan.mode, MODE_HELP);
    char *version[] = {"tryagain", "--version", NULL};
    parse(&plan, version);
    assert_int_equal(plan.mode, MODE_VERSION);
    char *doctor[] = {"tryagain", "doctor", "curl", NULL};
    parse(&plan, doctor);
    assert_int_equal(plan.mode, MODE_DOCTOR);
    assert_int_equal(plan.command_index, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attempts),
        cmocka_unit_test(test_a_former_flag_name_still_works),
        cmocka_unit_test(test_duration_flags),
        cmocka_unit_test(test_duration_parser),
        cmocka_unit_test(test_error_line_wording),
        cmocka_unit_test(test_jitter),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_connect_to),
        cmocka_unit_test(test_log_file),
        cmocka_unit_test(test_switches),
        cmocka_unit_test(test_verbosity),
        cmocka_unit_test(test_no_flags_sets_nothing),
        cmocka_unit_test(test_later_flag_wins),
        cmocka_unit_test(test_command_arguments_are_its_own),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_help_version_doctor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
