/* request_id_rank and request_id_value: which response headers name the server's request id,
   and what of their value may reach a log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/request_id.h"

static int rank(const char *line)
{
    return request_id_rank(line, strlen(line));
}

static const char *value(const char *line)
{
    static char out[REQUEST_ID_MAX];
    request_id_value(line, strlen(line), out, sizeof(out));
    return out;
}

static void the_usual_headers_are_ids_in_any_case(void **state)
{
    (void)state;
    assert_true(rank("x-request-id: a\r\n") > 0);
    assert_true(rank("X-Request-ID: a\r\n") > 0);
    assert_true(rank("request-id: req_1\r\n") > 0);
    assert_true(rank("x-amzn-RequestId: a\r\n") > 0);
    assert_true(rank("X-GitHub-Request-Id: A:B\r\n") > 0);
    assert_true(rank("CF-RAY: 8a-AMS\r\n") > 0);
}

static void other_headers_are_not(void **state)
{
    (void)state;
    assert_int_equal(rank("x-request-identity: a\r\n"), 0);
    assert_int_equal(rank("x-request: a\r\n"), 0);
    assert_int_equal(rank("Authorization: Bearer x\r\n"), 0);
    assert_int_equal(rank("Set-Cookie: id=1\r\n"), 0);
    assert_int_equal(rank("x-request-id\r\n"), 0);
    assert_int_equal(rank(""), 0);
}

static void the_apis_own_id_outranks_a_cdns(void **state)
{
    (void)state;
    assert_true(rank("x-request-id: a\r\n") > rank("cf-ray: b\r\n"));
    assert_true(rank("x-amzn-requestid: a\r\n") > rank("x-amz-cf-id: b\r\n"));
}

static void the_value_is_trimmed(void **state)
{
    (void)state;
    assert_string_equal(value("x-request-id:   req-123 \t\r\n"), "req-123");
    assert_string_equal(value("x-request-id:req_ABC.1:2/3+4=5@6\r\n"), "req_ABC.1:2/3+4=5@6");
}

static void a_value_with_other_characters_is_dropped(void **state)
{
    (void)state;
    assert_string_equal(value("x-request-id: a b\r\n"), "");
    assert_string_equal(value("x-request-id: a\"b\r\n"), "");
    assert_string_equal(value("x-request-id: a\\b\r\n"), "");
    assert_string_equal(value("x-request-id: a\x1b[31m\r\n"), "");
    assert_string_equal(value("x-request-id: \xc3\xa9\r\n"), "");
    assert_string_equal(value("x-request-id: \r\n"), "");
    assert_int_equal(request_id_value("x-request-id: a\0b", 17, (char[8]){0}, 8), 0);
}

static void a_long_value_is_cut_to_the_buffer(void **state)
{
    (void)state;
    char line[300] = "x-request-id: ";
    memset(line + strlen(line), 'a', 200);
    char out[16];
    assert_int_equal(request_id_value(line, strlen(line), out, sizeof(out)), 15);
    assert_int_equal(strlen(out), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_usual_headers_are_ids_in_any_case),
        cmocka_unit_test(other_headers_are_not),
        cmocka_unit_test(the_apis_own_id_outranks_a_cdns),
        cmocka_unit_test(the_value_is_trimmed),
        cmocka_unit_test(a_value_with_other_characters_is_dropped),
        cmocka_unit_test(a_long_value_is_cut_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
