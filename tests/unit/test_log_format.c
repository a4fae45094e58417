/* One line per event, text or JSON; URLs in lines are redacted; JSON lines parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy/log_format.h"

/* 2024-01-02T03:04:05.678Z */
#define WALL_MS 1704164645678LL
#define PID 4242

/* A strict little JSON reader: enough to say a line is one well-formed object. */
struct json {
    const char *p;
};

static bool json_value(struct json *j);

static void json_spaces(struct json *j)
{
    while(*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
        j->p++;
}

static bool json_string(struct json *j)
{
    if(*j->p != '"')
        return false;
    j->p++;
    while(*j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if(c < 0x20 || c == '\0')
            return false;
        if(c == '\\') {
            j->p++;
            if(*j->p == 'u') {
                for(int i = 1; i <= 4; i++) {
                    if(!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
                        return false;
                }
                j->p += 4;
            }
            else if(!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
                return false;
            }
        }
        j->p++;
    }
    j->p++;
    return true;
}

static bool json_number(struct json *j)
{
    const char *start = j->p;
    if(*j->p == '-')
        j->p++;
    if(*j->p == '0')
        j->p++;
    else if(*j->p >= '1' && *j->p <= '9')
        while(*j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return false;
    if(*j->p == '.') {
        j->p++;
        if(!(*j->p >= '0' && *j->p <= '9'))
            return false;
        while(*j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    return j->p > start;
}

static bool json_object(struct json *j)
{
    j->p++; /* '{' */
    json_spaces(j);
    if(*j->p == '}') {
        j->p++;
        return true;
    }
    for(;;) {
        json_spaces(j);
        if(!json_string(j))
            return false;
        json_spaces(j);
        if(*j->p != ':')
            return false;
        j->p++;
        if(!json_value(j))
            return false;
        json_spaces(j);
        if(*j->p == '}') {
            j->p++;
            return true;
        }
        if(*j->p != ',')
            return false;
        j->p++;
    }
}

static bool json_value(struct json *j)
{
    json_spaces(j);
    if(*j->p == '{')
        return json_object(j);
    if(*j->p == '"')
        return json_string(j);
    if(!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4)) {
        j->p += 4;
        return true;
    }
    if(!strncmp(j->p, "false", 5)) {
        j->p += 5;
        return true;
    }
    return json_number(j);
}

/* One object, then exactly one newline at the very end. */
static void assert_json_line(const char *line)
{
    struct json j = {line};
    if(*j.p != '{' || !json_object(&j))
        fail_msg("not JSON near offset %d: %s", (int)(j.p - line), line);
    assert_string_equal(j.p, "\n");
}

static void assert_contains(const char *line, const char *part)
{
    if(!strstr(line, part))
        fail_msg("\"%s\" not in: %s", part, line);
}

static struct log_event retry_event(void)
{
    struct log_event event = {
        .kind = EVENT_RETRY,
        .method = "GET",
        .target = "https://user:pw@api.example.com/v1?token=s3cret#frag",
        .http_status = 429,
        .error = NULL,
        .attempt = 2,
        .max_attempts = 5,
        .wait_ms = 1500,
        .wait_reason = WAIT_RETRY_AFTER,
        .outcome = "retrying",
    };
    return event;
}

static size_t format(const struct log_event *event, enum log_format format_kind, char *buffer,
                     size_t size)
{
    size_t length = log_format_event(event, format_kind, WALL_MS, PID, buffer, size);
    assert_int_equal(length, strlen(buffer));
    assert_true(length < size);
    assert_true(length > 0);
    assert_int_equal(buffer[length - 1], '\n');
    assert_null(memchr(buffer, '\n', length - 1)); /* one line */
    return length;
}

static void text_retry_line_names_method_url_status_attempt_and_wait(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_string_equal(line, "tryagain[4242]: GET https://REDACTED@api.example.com/v1"
                              "?token=REDACTED#REDACTED: HTTP 429, attempt 2/5; retrying in "
                              "1.500 s (Retry-After)\n");
}

static void text_retry_line_names_backoff(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.http_status = 0;
    event.error = "Couldn't connect to server";
    event.wait_reason = WAIT_BACKOFF;
    event.wait_ms = 50;
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, ": Couldn't connect to server, attempt 2/5; retrying in 0.050 s "
                          "(backoff)\n");
}

static void json_retry_line_parses_and_has_every_field(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    char line[1024];
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_string_equal(line, "{\"time\":\"2024-01-02T03:04:05.678Z\",\"pid\":4242,"
                              "\"event\":\"retry\",\"method\":\"GET\",\"url\":"
                              "\"https://REDACTED@api.example.com/v1?token=REDACTED#REDACTED\","
                              "\"status\":429,\"attempt\":2,\"max_attempts\":5,\"wait_ms\":1500,"
                              "\"wait_reason\":\"Retry-After\",\"outcome\":\"retrying\"}\n");
}

static void lines_carry_the_request_id_the_call_id_and_the_fallback(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.request_id = "req_8a1b:2";
    event.call_id = "0b6f3c1e-7a52-4d8e-9f10-2c3d4e5f6a7b";
    event.next_host = "api-eu.example.com";
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, ": HTTP 429 (request id req_8a1b:2), attempt 2/5; retrying in 1.500 s "
                          "(Retry-After) on fallback api-eu.example.com\n");
    assert_null(strstr(line, "0b6f3c1e")); /* the call id is for machines: JSON only */
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, ",\"call_id\":\"0b6f3c1e-7a52-4d8e-9f10-2c3d4e5f6a7b\",\"status\":429,"
                          "\"request_id\":\"req_8a1b:2\",");
    assert_contains(line, ",\"next_host\":\"api-eu.example.com\",");

    event = retry_event();
    event.kind = EVENT_DONE;
    event.http_status = 200;
    event.target = "https://api-eu.example.com/v1";
    event.fallback_for = "api.example.com";
    event.next_host = "ignored.example.com"; /* only a retry goes somewhere next */
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, "GET https://api-eu.example.com/v1 (fallback for api.example.com): HTTP "
                          "200, attempt 2/5; retrying\n");
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"url\":\"https://api-eu.example.com/v1\",\"fallback_for\":"
                          "\"api.example.com\",");
    assert_null(strstr(line, "ignored"));
}

static void a_move_for_the_shared_breaker_says_so(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.next_host = "api-eu.example.com";
    event.fallback_why = "circuit open on https://api.example.com:443";
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, "retrying in 1.500 s (Retry-After) on fallback api-eu.example.com "
                          "(circuit open on https://api.example.com:443)\n");
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, ",\"fallback_reason\":\"circuit open on https://api.example.com:443\",");

    event = retry_event();
    event.kind = EVENT_DONE;
    event.http_status = 200;
    event.attempt = 1;
    event.target = "https://api-eu.example.com/v1";
    event.fallback_for = "api.example.com";
    event.fallback_why = "circuit open on https://api.example.com:443";
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, "GET https://api-eu.example.com/v1 (fallback for api.example.com; "
                          "circuit open on https://api.example.com:443): HTTP 200, attempt 1/5");
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"fallback_for\":\"api.example.com\",\"fallback_reason\":"
                          "\"circuit open on https://api.example.com:443\",");
    /* The primary's own failures: no reason beyond the line's status. */
    event.fallback_why = "";
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_null(strstr(line, "fallback_reason"));
}

static void empty_ids_leave_no_field(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.request_id = "";
    event.call_id = "";
    char line[1024];
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_null(strstr(line, "request_id"));
    assert_null(strstr(line, "call_id"));
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_null(strstr(line, "request id"));
}

static void give_up_lines_have_no_wait(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.kind = EVENT_GIVE_UP;
    event.http_status = 503;
    event.attempt = 5;
    event.wait_reason = WAIT_BACKOFF;
    event.outcome = "giving up: attempts exhausted";
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, ": HTTP 503, attempt 5/5; giving up: attempts exhausted\n");
    assert_null(strstr(line, " in "));

    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"event\":\"give_up\"");
    assert_contains(line, "\"status\":503");
    assert_contains(line, "\"attempt\":5,\"max_attempts\":5");
    assert_contains(line, "\"outcome\":\"giving up: attempts exhausted\"}");
    assert_null(strstr(line, "wait_ms"));
}

static void a_give_up_on_a_long_retry_after_says_what_the_server_asked(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.kind = EVENT_GIVE_UP;
    event.attempt = 1;
    event.wait_ms = 3600000;
    event.outcome = "giving up: Retry-After is beyond TRYAGAIN_MAX_RETRY_AFTER_MS";
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, "TRYAGAIN_MAX_RETRY_AFTER_MS (server asked for 3600 s)\n");
}

static void connect_lines_name_the_address(void **state)
{
    (void)state;
    struct log_event event = {
        .kind = EVENT_RETRY,
        .method = NULL,
        .target = "127.0.0.1:5432",
        .http_status = 0,
        .error = "Connection refused",
        .attempt = 1,
        .max_attempts = 5,
        .wait_ms = 1000,
        .wait_reason = WAIT_BACKOFF,
        .outcome = "retrying",
    };
    char line[1024];
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_string_equal(line, "tryagain[4242]: connect 127.0.0.1:5432: Connection refused, "
                              "attempt 1/5; retrying in 1.000 s (backoff)\n");
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"event\":\"retry\",\"call\":\"connect\","
                          "\"address\":\"127.0.0.1:5432\",\"error\":\"Connection refused\","
                          "\"attempt\":1,\"max_attempts\":5,\"wait_ms\":1000,"
                          "\"wait_reason\":\"backoff\"");
    assert_null(strstr(line, "\"method\""));
    assert_null(strstr(line, "\"status\""));

    event.target = "[::1]:80";
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"address\":\"[::1]:80\"");
}

static void done_lines_parse(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.kind = EVENT_DONE;
    event.http_status = 200;
    event.outcome = "done";
    char line[1024];
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"event\":\"done\"");
    format(&event, LOG_FORMAT_TEXT, line, sizeof(line));
    assert_contains(line, "HTTP 200, attempt 2/5; done\n");
}

static void no_secret_of_the_url_reaches_a_line(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.target = "https://alice:hunter2@example.com/p?api_key=K3Y&bare_token#T0K";
    char line[1024];
    for(int f = 0; f < 2; f++) {
        format(&event, f ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT, line, sizeof(line));
        assert_null(strstr(line, "alice"));
        assert_null(strstr(line, "hunter2"));
        assert_null(strstr(line, "K3Y"));
        assert_null(strstr(line, "bare_token"));
        assert_null(strstr(line, "T0K"));
        assert_contains(line, "example.com/p?api_key=REDACTED&REDACTED#REDACTED");
    }
}

static void strings_with_quotes_and_control_characters_stay_valid_json(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    event.method = "WEIRD\"\\\n";
    event.target = "http://example.com/a\"b\\c\nd";
    event.error = "bad \"thing\"\r\n\x01";
    event.outcome = "tab\there";
    char line[1024];
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
    assert_contains(line, "\"method\":\"WEIRD\\\"\\\\\\u000a\"");
    assert_contains(line, "\"url\":\"http://example.com/a?b?c?d\"");
    assert_contains(line, "\"error\":\"bad \\\"thing\\\"\\u000d\\u000a\\u0001\"");

    event.method = NULL;
    event.target = "host\"name:1";
    format(&event, LOG_FORMAT_JSON, line, sizeof(line));
    assert_json_line(line);
}

static void a_small_buffer_still_ends_the_line(void **state)
{
    (void)state;
    struct log_event event = retry_event();
    for(size_t size = 65; size < 300; size++) {
        char line[300];
        memset(line, 'Z', sizeof(line));
        for(int f = 0; f < 2; f++) {
            size_t length = log_format_event(&event, f ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT, WALL_MS,
                                             PID, line, size);
            assert_true(length < size);
            assert_int_equal(length, strlen(line));
            assert_int_equal(line[length - 1], '\n');
            if(size < sizeof(line))
                assert_int_equal(line[size], 'Z');
            assert_null(strstr(line, "s3cret"));
        }
    }
}

static void stats_lines_sum_up_the_process(void **state)
{
    (void)state;
    struct log_stats stats = {.transfers = 10,
                              .connects = 2,
                              .attempts = 17,
                              .retries = 7,
                              .recovered = 3,
                              .given_up = 1,
                              .waited_ms = 12345};
    char line[1024];
    size_t length = log_format_stats(&stats, LOG_FORMAT_TEXT, WALL_MS, PID, line, sizeof(line));
    assert_int_equal(length, strlen(line));
    assert_string_equal(line, "tryagain[4242]: stats: 10 transfers, 2 connects, 17 attempts, "
                              "7 retries, 3 recovered, 1 given up, 12.345 s waiting\n");
    length = log_format_stats(&stats, LOG_FORMAT_JSON, WALL_MS, PID, line, sizeof(line));
    assert_int_equal(length, strlen(line));
    assert_json_line(line);
    assert_string_equal(line, "{\"time\":\"2024-01-02T03:04:05.678Z\",\"pid\":4242,"
                              "\"event\":\"stats\",\"transfers\":10,\"connects\":2,"
                              "\"attempts\":17,\"retries\":7,\"recovered\":3,\"given_up\":1,"
                              "\"waited_ms\":12345}\n");
}

static void the_json_reader_rejects_broken_lines(void **state)
{
    (void)state;
    /* The validator itself must be able to fail, or the tests above prove nothing. */
    static const char *const bad[] = {"{\"a\":1,}\n", "{\"a\":\"x\ny\"}\n", "{\"a\" 1}\n",
                                      "{\"a\":1}",    "{\"a\":1}}\n",       "{\"a\":\"\\q\"}\n",
                                      "{\"a\":01}\n"};
    for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct json j = {bad[i]};
        if(json_object(&j) && !strcmp(j.p, "\n"))
            fail_msg("accepted: %s", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_retry_line_names_method_url_status_attempt_and_wait),
        cmocka_unit_test(text_retry_line_names_backoff),
        cmocka_unit_test(json_retry_line_parses_and_has_every_field),
        cmocka_unit_test(give_up_lines_have_no_wait),
        cmocka_unit_test(a_give_up_on_a_long_retry_after_says_what_the_server_asked),
        cmocka_unit_test(connect_lines_name_the_address),
        cmocka_unit_test(done_lines_parse),
        cmocka_unit_test(no_secret_of_the_url_reaches_a_line),
        cmocka_unit_test(strings_with_quotes_and_control_characters_stay_valid_json),
        cmocka_unit_test(a_small_buffer_still_ends_the_line),
        cmocka_unit_test(stats_lines_sum_up_the_process),
        cmocka_unit_test(the_json_reader_rejects_broken_lines),
        cmocka_unit_test(lines_carry_the_request_id_the_call_id_and_the_fallback),
        cmocka_unit_test(a_move_for_the_shared_breaker_says_so),
        cmocka_unit_test(empty_ids_leave_no_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
