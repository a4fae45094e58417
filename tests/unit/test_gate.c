/* The gate decides what the program sees of an attempt. Fake sinks stand in for the program's
   write and header callbacks and record every call; each test feeds the gate the way libcurl
   would (header lines one per call, then body chunks, the same data again after a pause). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "curl/gate.h"

#define TRANSCRIPT_MAX (1 << 18)

/* What the program was shown, in order. */
struct recorder {
    char transcript[TRANSCRIPT_MAX]; /* "B<bytes>|" or "H<bytes>|" per accepted call */
    size_t transcript_length;
    char body[TRANSCRIPT_MAX]; /* every byte the body sink accepted */
    size_t body_length;
    char headers[8192]; /* every byte the header sink accepted */
    size_t headers_length;
    int calls; /* all calls, refused and paused ones too */
    int accepted_calls;
    size_t largest_body_call;
    int pause_on_call; /* answer GATE_PAUSE to this call (1-based), 0: never */
    int short_on_call; /* answer one byte short to this call */
};

struct sink_context {
    struct recorder *recorder;
    char kind; /* 'B' or 'H' */
};

static struct recorder *recorder;
static struct sink_context body_context, header_context;

static void transcript_add(struct recorder *r, char kind, const char *data, size_t length)
{
    assert_true(r->transcript_length + length + 2 <= TRANSCRIPT_MAX);
    r->transcript[r->transcript_length++] = kind;
    memcpy(r->transcript + r->transcript_length, data, length);
    r->transcript_length += length;
    r->transcript[r->transcript_length++] = '|';
    r->transcript[r->transcript_length] = '\0';
}

static size_t fake_sink(char *data, size_t size, size_t count, void *userdata)
{
    struct sink_context *context = userdata;
    struct recorder *r = context->recorder;
    size_t length = size * count;
    assert_int_equal(size, 1);
    assert_true(length > 0);
    r->calls++;
    if(r->calls == r->pause_on_call)
        return GATE_PAUSE;
    if(r->calls == r->short_on_call)
        return length - 1;
    r->accepted_calls++;
    transcript_add(r, context->kind, data, length);
    if(context->kind == 'B') {
        assert_true(r->body_length + length <= sizeof(r->body));
        memcpy(r->body + r->body_length, data, length);
        r->body_length += length;
        if(length > r->largest_body_call)
            r->largest_body_call = length;
    }
    else {
        assert_true(r->headers_length + length < sizeof(r->headers));
        memcpy(r->headers + r->headers_length, data, length);
        r->headers_length += length;
        r->headers[r->headers_length] = '\0';
    }
    return length;
}

static int setup(void **state)
{
    recorder = calloc(1, sizeof(*recorder));
    if(!recorder)
        return -1;
    body_context = (struct sink_context){recorder, 'B'};
    header_context = (struct sink_context){recorder, 'H'};
    struct gate *gate = calloc(1, sizeof(*gate));
    if(!gate)
        return -1;
    gate_init(gate);
    gate->sinks.body = fake_sink;
    gate->sinks.body_data = &body_context;
    gate->sinks.header = fake_sink;
    gate->sinks.header_data = &header_context;
    gate->sinks.include_headers = false;
    *state = gate;
    return 0;
}

static int teardown(void **state)
{
    struct gate *gate = *state;
    gate_free(gate);
    free(gate);
    free(recorder);
    recorder = NULL;
    return 0;
}

/* The status the attempt may still be retried for. */
static bool hold_retryable(void *ctx, long status)
{
    int *asked = ctx;
    if(asked)
        (*asked)++;
    return status == 429 || status == 503 || status == 500;
}

static void begin(struct gate *gate, size_t hold_limit)
{
    gate_begin_attempt(gate, hold_retryable, NULL, hold_limit);
}

/* An attempt whose 2xx status line is final: the response streams from that line on. */
static void begin_streaming_at_status_line(struct gate *gate)
{
    gate_decide_at_status_line(gate, true);
    begin(gate, 65536);
}

/* libcurl hands data over as char *, not const: the gate gets a private copy. */
static size_t header(struct gate *gate, const char *line)
{
    size_t length = strlen(line);
    char *copy = malloc(length + 1);
    assert_non_null(copy);
    memcpy(copy, line, length + 1);
    size_t result = gate_header(gate, copy, length);
    free(copy);
    return result;
}

static size_t body(struct gate *gate, const char *data, size_t length)
{
    char *copy = malloc(length ? length : 1);
    assert_non_null(copy);
    memcpy(copy, data, length);
    size_t result = gate_body(gate, copy, length);
    free(copy);
    return result;
}

static void header_ok(struct gate *gate, const char *line)
{
    assert_int_equal(header(gate, line), strlen(line));
}

static void body_ok(struct gate *gate, const char *data)
{
    assert_int_equal(body(gate, data, strlen(data)), strlen(data));
}

static void feed_429(struct gate *gate)
{
    header_ok(gate, "HTTP/1.1 429 Too Many Requests\r\n");
    header_ok(gate, "Retry-After: 7\r\n");
    header_ok(gate, "Content-Length: 12\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "rate limited");
}

static void a_held_429_that_is_discarded_never_reaches_the_program(void **state)
{
    struct gate *gate = *state;
    int asked = 0;
    gate_begin_attempt(gate, hold_retryable, &asked, 65536);
    feed_429(gate);
    assert_int_equal(asked, 1);
    assert_int_equal(recorder->calls, 0);
    assert_int_equal(gate->status, 429);
    assert_true(gate->body_started);
    assert_false(gate->released);
    assert_int_equal(gate->retry_after_length, 1);
    assert_string_equal(gate->retry_after, "7");
    gate_discard(gate);
    assert_int_equal(recorder->calls, 0);
    assert_int_equal(gate->mode, GATE_PASS);

    /* The next attempt starts clean and only it is shown. */
    begin(gate, 65536);
    assert_int_equal(gate->status, 0);
    assert_int_equal(gate->retry_after_length, 0);
    assert_int_equal(gate->header_bytes, 0);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "fine");
    assert_true(gate_release(gate));
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|H\r\n|Bfine|");
}

static void a_200_streams_its_body_after_its_headers(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "Content-Type: text/plain\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(recorder->calls, 0); /* headers wait for the first body byte */
    body_ok(gate, "hello ");
    assert_true(gate->released);
    assert_int_equal(gate->mode, GATE_STREAM);
    assert_string_equal(recorder->transcript,
                        "HHTTP/1.1 200 OK\r\n|HContent-Type: text/plain\r\n|H\r\n|Bhello |");
    body_ok(gate, "world");
    assert_string_equal(recorder->transcript + recorder->transcript_length - 7, "Bworld|");
    assert_true(gate_release(gate));
    assert_int_equal(recorder->calls, 5);
    assert_string_equal(recorder->headers, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    assert_int_equal(recorder->body_length, 11);
    assert_memory_equal(recorder->body, "hello world", 11);
}

/* With no proxy's CONNECT reply possible, a 2xx status line that is the attempt's first
   response settles it: it streams from that line, after a 1xx before it, and nothing is held.
   After a redirect the next response may come through a proxy's tunnel: held as before. */
static void a_2xx_status_line_streams_at_once_when_it_is_final(void **state)
{
    struct gate *gate = *state;
    gate_decide_at_status_line(gate, true);
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 100 Continue\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(recorder->calls, 0);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    assert_int_equal(gate->mode, GATE_STREAM);
    assert_true(gate->released);
    assert_string_equal(recorder->transcript,
                        "HHTTP/1.1 100 Continue\r\n|H\r\n|HHTTP/1.1 200 OK\r\n|");
    header_ok(gate, "X-Request-Id: abc\r\n");
    assert_int_equal(gate->held_length, 0);
    assert_string_equal(gate->request_id, "abc"); /* still noted while streaming */
    header_ok(gate, "\r\n");
    body_ok(gate, "fine");
    assert_true(gate_release(gate));
    assert_string_equal(recorder->body, "fine");

    gate_discard(gate);
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 301 Moved\r\n");
    header_ok(gate, "\r\n");
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    assert_int_equal(gate->mode, GATE_HOLD);
    header_ok(gate, "\r\n");
    body_ok(gate, "moved");
    assert_int_equal(gate->mode, GATE_STREAM); /* decided at the body, as without */
}

/* A 429, or a 2xx that might be a proxy's CONNECT reply, is held as before. */
static void a_status_line_that_is_not_final_is_held(void **state)
{
    struct gate *gate = *state;
    gate_decide_at_status_line(gate, true);
    begin(gate, 65536);
    feed_429(gate);
    assert_int_equal(recorder->calls, 0);
    gate_discard(gate);
    gate_decide_at_status_line(gate, false);
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 Connection established\r\n");
    header_ok(gate, "\r\n");
    header_ok(gate, "HTTP/1.1 429 Too Many Requests\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "slow down");
    assert_int_equal(recorder->calls, 0);
    assert_int_equal(gate->status, 429);
}

static void without_a_hold_function_every_body_streams(void **state)
{
    struct gate *gate = *state;
    gate_begin_attempt(gate, NULL, NULL, 65536);
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "x");
    assert_true(gate->released);
    assert_string_equal(recorder->transcript, "HHTTP/1.1 503 Busy\r\n|H\r\n|Bx|");
}

static void include_headers_sends_each_line_to_the_body_sink_first(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "data");
    assert_true(gate_release(gate));
    assert_string_equal(recorder->transcript,
                        "BHTTP/1.1 200 OK\r\n|HHTTP/1.1 200 OK\r\n|B\r\n|H\r\n|Bdata|");
}

static void include_headers_without_a_header_sink_uses_the_body_sink_only(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    gate->sinks.header = NULL;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "data");
    assert_string_equal(recorder->transcript, "BHTTP/1.1 200 OK\r\n|B\r\n|Bdata|");
}

static void without_a_header_sink_headers_are_dropped(void **state)
{
    struct gate *gate = *state;
    gate->sinks.header = NULL;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "data");
    assert_string_equal(recorder->transcript, "Bdata|");
}

static void release_hands_over_a_held_response_whole(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 503 Service Unavailable\r\n");
    header_ok(gate, "Retry-After: 1\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "try ");
    body_ok(gate, "again");
    assert_int_equal(recorder->calls, 0);
    assert_true(gate_release(gate));
    assert_true(gate->released);
    assert_int_equal(gate->mode, GATE_PASS);
    assert_string_equal(recorder->transcript,
                        "BHTTP/1.1 503 Service Unavailable\r\n|HHTTP/1.1 503 Service "
                        "Unavailable\r\n|BRetry-After: 1\r\n|HRetry-After: 1\r\n|B\r\n|H\r\n|"
                        "Btry |Bagain|");
    assert_int_equal(gate->held_length, 0);
}

static void release_hands_over_headers_of_a_response_without_body(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "Content-Length: 0\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(recorder->calls, 0);
    assert_true(gate_release(gate));
    assert_string_equal(recorder->headers, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(recorder->body_length, 0);
}

static void release_with_nothing_held_does_nothing(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    assert_true(gate_release(gate));
    assert_int_equal(recorder->calls, 0);
    assert_false(gate->released);
}

static void a_held_body_over_the_limit_switches_to_streaming(void **state)
{
    struct gate *gate = *state;
    begin(gate, 1000);
    header_ok(gate, "HTTP/1.1 500 Internal Server Error\r\n");
    header_ok(gate, "\r\n");
    char expected[3000];
    for(size_t i = 0; i < sizeof(expected); i++)
        expected[i] = (char)('a' + i % 26);
    for(size_t done = 0; done < sizeof(expected); done += 300) {
        assert_int_equal(body(gate, expected + done, 300), 300);
        if(done + 300 < 900)
            assert_int_equal(recorder->calls, 0); /* still held */
    }
    assert_true(gate->released);
    assert_int_equal(gate->mode, GATE_STREAM);
    assert_string_equal(recorder->headers, "HTTP/1.1 500 Internal Server Error\r\n\r\n");
    assert_int_equal(recorder->body_length, sizeof(expected));
    assert_memory_equal(recorder->body, expected, sizeof(expected));
    assert_true(gate_release(gate));
    assert_int_equal(recorder->body_length, sizeof(expected));
}

static void too_many_header_bytes_switch_to_streaming(void **state)
{
    struct gate *gate = *state;
#define LONG_LINE "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
    begin(gate, 64);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    assert_false(gate->released);
    header_ok(gate, LONG_LINE);
    assert_true(gate->released);
    assert_int_equal(gate->mode, GATE_STREAM);
    header_ok(gate, "\r\n");
    body_ok(gate, "b");
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|H" LONG_LINE "|H\r\n|Bb|");
#undef LONG_LINE
}

static void released_bodies_come_in_chunks_no_larger_than_libcurl_gives(void **state)
{
    struct gate *gate = *state;
    begin(gate, 1 << 20);
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    header_ok(gate, "\r\n");
    size_t length = 2 * GATE_CHUNK_MAX + 1234;
    char *data = malloc(length);
    assert_non_null(data);
    for(size_t i = 0; i < length; i++)
        data[i] = (char)(i * 7);
    assert_int_equal(body(gate, data, length), length);
    assert_int_equal(recorder->calls, 0);
    assert_true(gate_release(gate));
    assert_int_equal(recorder->largest_body_call, GATE_CHUNK_MAX);
    assert_int_equal(recorder->body_length, length);
    assert_memory_equal(recorder->body, data, length);
    free(data);
}

static void a_short_count_from_the_body_sink_refuses_the_write(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "one");
    recorder->short_on_call = recorder->calls + 1;
    assert_int_equal(body(gate, "two", 3), 0);
    assert_true(gate->program_refused);
}

static void a_short_count_while_releasing_at_the_first_body_byte_refuses_it(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    recorder->short_on_call = 1; /* the status line */
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(body(gate, "abc", 3), 0);
    assert_true(gate->program_refused);
    assert_int_equal(recorder->body_length, 0);
}

static void a_short_count_from_the_header_sink_refuses_the_header(void **state)
{
    struct gate *gate = *state; /* GATE_PASS: headers go straight through */
    recorder->short_on_call = 1;
    assert_int_equal(header(gate, "HTTP/1.1 200 OK\r\n"), 0);
    assert_true(gate->program_refused);
}

static void release_reports_a_refusal(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    feed_429(gate);
    recorder->short_on_call = 2;
    assert_false(gate_release(gate));
    assert_true(gate->program_refused);
    assert_int_equal(recorder->calls, 2); /* nothing more after the refusal */
    assert_int_equal(gate->held_length, 0);
}

static void release_after_a_refusal_hands_over_nothing_more(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "A: 1\r\n");
    header_ok(gate, "\r\n");
    recorder->short_on_call = 2; /* "A: 1": the program says stop; libcurl aborts */
    assert_int_equal(body(gate, "abc", 3), 0);
    int calls = recorder->calls;
    assert_false(gate_release(gate));
    assert_int_equal(recorder->calls, calls);
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|");
    assert_int_equal(gate->held_length, 0);
}

static void a_refused_included_header_does_not_skip_the_next_body_half(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin_streaming_at_status_line(gate);
    recorder->short_on_call = 2; /* the header sink's copy */
    assert_int_equal(header(gate, "HTTP/1.1 200 OK\r\n"), 0);
    assert_false(gate_release(gate));
    /* A later transfer on the handle starts from a clean line. */
    begin_streaming_at_status_line(gate);
    header_ok(gate, "HTTP/1.1 204 No Content\r\n");
    assert_string_equal(recorder->transcript, "BHTTP/1.1 200 OK\r\n|BHTTP/1.1 204 No Content"
                                              "\r\n|HHTTP/1.1 204 No Content\r\n|");
}

/* libcurl keeps paused data and hands the same bytes over again once unpaused. */
static size_t body_until_taken(struct gate *gate, const char *data, size_t length, int *pauses)
{
    for(int tries = 0; tries < 10; tries++) {
        size_t result = body(gate, data, length);
        if(result != GATE_PAUSE)
            return result;
        (*pauses)++;
    }
    fail_msg("still paused");
    return 0;
}

static size_t header_until_taken(struct gate *gate, const char *line, int *pauses)
{
    for(int tries = 0; tries < 10; tries++) {
        size_t result = header(gate, line);
        if(result != GATE_PAUSE)
            return result;
        (*pauses)++;
    }
    fail_msg("still paused");
    return 0;
}

static void a_pause_while_streaming_resumes_without_loss_or_duplication(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "one,");
    recorder->pause_on_call = recorder->calls + 1;
    int pauses = 0;
    assert_int_equal(body_until_taken(gate, "two,", 4, &pauses), 4);
    assert_int_equal(pauses, 1);
    body_ok(gate, "three");
    assert_int_equal(recorder->body_length, 13);
    assert_memory_equal(recorder->body, "one,two,three", 13);
    assert_false(gate->program_refused);
}

static void a_pause_on_the_first_body_byte_resumes_without_loss_or_duplication(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    recorder->pause_on_call = 3; /* the body chunk itself, after both header lines */
    int pauses = 0;
    assert_int_equal(body_until_taken(gate, "abc", 3, &pauses), 3);
    assert_int_equal(pauses, 1);
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|H\r\n|Babc|");
}

static void a_pause_while_releasing_held_headers_resumes_where_it_stopped(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "A: 1\r\n");
    header_ok(gate, "\r\n");
    recorder->pause_on_call = 2; /* "A: 1" */
    int pauses = 0;
    assert_int_equal(body_until_taken(gate, "abc", 3, &pauses), 3);
    assert_int_equal(pauses, 1);
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|HA: 1\r\n|H\r\n|Babc|");
}

static void a_pause_on_the_header_half_of_an_included_header_does_not_repeat_it(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    recorder->pause_on_call = 2; /* the header sink's copy of the status line */
    int pauses = 0;
    assert_int_equal(body_until_taken(gate, "abc", 3, &pauses), 3);
    assert_int_equal(pauses, 1);
    assert_string_equal(recorder->transcript,
                        "BHTTP/1.1 200 OK\r\n|HHTTP/1.1 200 OK\r\n|B\r\n|H\r\n|Babc|");
}

static void a_pause_inside_a_released_body_record_resumes_at_the_byte(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    header_ok(gate, "\r\n");
    size_t length = GATE_CHUNK_MAX + 100;
    char *data = malloc(length);
    assert_non_null(data);
    for(size_t i = 0; i < length; i++)
        data[i] = (char)(i * 13 + 1);
    assert_int_equal(body(gate, data, length), length);
    /* The hold limit is reached: the held response is released, and the program pauses on the
       second chunk of the held body record. */
    gate->hold_limit = gate->held_length;
    recorder->pause_on_call = 4; /* status line, blank line, first chunk, second chunk */
    int pauses = 0;
    assert_int_equal(body_until_taken(gate, "tail", 4, &pauses), 4);
    assert_int_equal(pauses, 1);
    assert_int_equal(recorder->body_length, length + 4);
    assert_memory_equal(recorder->body, data, length);
    assert_memory_equal(recorder->body + length, "tail", 4);
    assert_true(recorder->largest_body_call <= GATE_CHUNK_MAX);
    free(data);
}

static void a_pause_on_a_streamed_included_header_does_not_repeat_it(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin_streaming_at_status_line(gate);
    int pauses = 0;
    recorder->pause_on_call = 2; /* the header sink's copy */
    assert_int_equal(header_until_taken(gate, "HTTP/1.1 200 OK\r\n", &pauses), 17);
    assert_int_equal(pauses, 1);
    header_ok(gate, "\r\n");
    assert_string_equal(recorder->transcript,
                        "BHTTP/1.1 200 OK\r\n|HHTTP/1.1 200 OK\r\n|B\r\n|H\r\n|");

    /* While streaming, a trailer after the body goes to the header sink only, as libcurl
       hands it over, and a pause there does not repeat it. */
    memset(recorder, 0, sizeof(*recorder));
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "x");
    recorder->pause_on_call = recorder->calls + 1;
    pauses = 0;
    assert_int_equal(header_until_taken(gate, "T: 1\r\n", &pauses), 6);
    assert_int_equal(pauses, 1);
    assert_string_equal(recorder->transcript,
                        "BHTTP/1.1 200 OK\r\n|HHTTP/1.1 200 OK\r\n|B\r\n|H\r\n|Bx|HT: 1\r\n|");
}

static void a_pause_on_the_body_half_of_a_streamed_included_header_resumes(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    begin_streaming_at_status_line(gate);
    int pauses = 0;
    recorder->pause_on_call = 1;
    assert_int_equal(header_until_taken(gate, "HTTP/1.1 200 OK\r\n", &pauses), 17);
    assert_int_equal(pauses, 1);
    assert_string_equal(recorder->transcript, "BHTTP/1.1 200 OK\r\n|HHTTP/1.1 200 OK\r\n|");
}

static void status_lines_set_the_status(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 429 Too Many");
    assert_int_equal(gate->status, 429);
    header_ok(gate, "HTTP/2 503\r\n");
    assert_int_equal(gate->status, 503);
    header_ok(gate, "HTTP/1.0 200 OK\r\n");
    assert_int_equal(gate->status, 200);
    header_ok(gate, "HTTP/3 204\r\n");
    assert_int_equal(gate->status, 204);
    header_ok(gate, "HTTP/1.1 abc\r\n");
    assert_int_equal(gate->status, 0);
    header_ok(gate, "HTTP/1.1 42\r\n");
    assert_int_equal(gate->status, 0);
    header_ok(gate, "HTTP/1.1\r\n");
    assert_int_equal(gate->status, 0);
    header_ok(gate, "X-Status: HTTP/1.1 500\r\n"); /* not a status line */
    assert_int_equal(gate->status, 0);
}

static void retry_after_is_taken_from_its_header_line(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 429 Too Many\r\n");
    header_ok(gate, "retry-after: 7\r\n");
    assert_int_equal(gate->retry_after_length, 1);
    assert_string_equal(gate->retry_after, "7");
    header_ok(gate, "RETRY-AFTER:\t Sun, 06 Nov 1994 08:49:37 GMT \r\n");
    assert_string_equal(gate->retry_after, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(gate->retry_after_length, strlen(gate->retry_after));
    header_ok(gate, "Retry-After-Extra: 9\r\n"); /* another header */
    assert_string_equal(gate->retry_after, "Sun, 06 Nov 1994 08:49:37 GMT");
}

static void the_request_id_is_taken_from_the_most_specific_header(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    assert_string_equal(gate->request_id, "");
    header_ok(gate, "CF-Ray: 8a1b2c-AMS\r\n");
    assert_string_equal(gate->request_id, "8a1b2c-AMS");
    header_ok(gate, "X-Request-Id: req-1\r\n");
    assert_string_equal(gate->request_id, "req-1");
    header_ok(gate, "cf-ray: later-cdn\r\n"); /* ranks lower: the API's own id stays */
    assert_string_equal(gate->request_id, "req-1");
    header_ok(gate, "x-amzn-requestid: bad value\r\n"); /* not an id: ignored */
    assert_string_equal(gate->request_id, "req-1");
    header_ok(gate, "\r\n");
    header_ok(gate, "HTTP/1.1 200 OK\r\n"); /* a new response: its own id or none */
    assert_string_equal(gate->request_id, "");
    begin(gate, 65536);
    assert_string_equal(gate->request_id, "");
    /* Nothing logs it: not looked for. */
    gate_skip_request_ids(gate, true);
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    header_ok(gate, "X-Request-Id: req-2\r\n");
    assert_string_equal(gate->request_id, "");
}

static void a_new_status_line_forgets_the_last_retry_after(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 302 Found\r\n");
    header_ok(gate, "Retry-After: 30\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(gate->retry_after_length, 2);
    header_ok(gate, "HTTP/1.1 429 Too Many\r\n");
    assert_int_equal(gate->status, 429);
    assert_int_equal(gate->retry_after_length, 0);
}

static void a_very_long_retry_after_is_cut_to_fit(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    char line[400] = "Retry-After: ";
    size_t start = strlen(line);
    memset(line + start, '9', 300);
    strcpy(line + start + 300, "\r\n");
    header_ok(gate, line);
    assert_int_equal(gate->retry_after_length, GATE_RETRY_AFTER_MAX - 1);
    assert_int_equal(strlen(gate->retry_after), GATE_RETRY_AFTER_MAX - 1);
}

static void header_bytes_count_what_arrived(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    header_ok(gate, "\r\n");
    assert_int_equal(gate->header_bytes, 19);
}

static void the_hold_question_gets_the_final_status(void **state)
{
    struct gate *gate = *state;
    int asked = 0;
    gate_begin_attempt(gate, hold_retryable, &asked, 65536);
    header_ok(gate, "HTTP/1.1 100 Continue\r\n");
    header_ok(gate, "\r\n");
    header_ok(gate, "HTTP/1.1 503 Busy\r\n");
    header_ok(gate, "\r\n");
    body_ok(gate, "busy");
    assert_int_equal(asked, 1);
    assert_int_equal(recorder->calls, 0);
    body_ok(gate, "more");
    assert_int_equal(asked, 1); /* asked once, at the first body byte */
}

static void pass_mode_passes_everything_straight_through(void **state)
{
    struct gate *gate = *state;
    assert_int_equal(gate->mode, GATE_PASS);
    header_ok(gate, "HTTP/1.1 429 Too Many\r\n");
    assert_int_equal(recorder->calls, 1);
    header_ok(gate, "\r\n");
    body_ok(gate, "body");
    assert_string_equal(recorder->transcript, "HHTTP/1.1 429 Too Many\r\n|H\r\n|Bbody|");
    assert_int_equal(gate->held_length, 0);
    assert_false(gate->released);

    recorder->pause_on_call = recorder->calls + 1;
    assert_int_equal(body(gate, "x", 1), GATE_PAUSE);
    body_ok(gate, "x");
    recorder->short_on_call = recorder->calls + 1;
    assert_int_equal(body(gate, "yy", 2), 0);
    assert_true(gate->program_refused);
    assert_memory_equal(recorder->body, "bodyx", 5);
    assert_int_equal(recorder->body_length, 5);
}

/* Outside a retried call the real handle has the program's own CURLOPT_HEADER: libcurl puts
   the header lines in the body itself (HTTP's only), so the gate must not do it again. */
static void pass_mode_leaves_included_headers_to_libcurl(void **state)
{
    struct gate *gate = *state;
    gate->sinks.include_headers = true;
    header_ok(gate, "HTTP/1.1 200 OK\r\n");
    body_ok(gate, "b");
    assert_string_equal(recorder->transcript, "HHTTP/1.1 200 OK\r\n|Bb|");
}

static void discard_after_release_leaves_pass_mode(void **state)
{
    struct gate *gate = *state;
    begin(gate, 65536);
    feed_429(gate);
    gate_discard(gate);
    body_ok(gate, "after");
    assert_string_equal(recorder->transcript, "Bafter|");
}

#define GATE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        GATE_TEST(a_held_429_that_is_discarded_never_reaches_the_program),
        GATE_TEST(a_200_streams_its_body_after_its_headers),
        GATE_TEST(a_2xx_status_line_streams_at_once_when_it_is_final),
        GATE_TEST(a_status_line_that_is_not_final_is_held),
        GATE_TEST(without_a_hold_function_every_body_streams),
        GATE_TEST(include_headers_sends_each_line_to_the_body_sink_first),
        GATE_TEST(include_headers_without_a_header_sink_uses_the_body_sink_only),
        GATE_TEST(without_a_header_sink_headers_are_dropped),
        GATE_TEST(release_hands_over_a_held_response_whole),
        GATE_TEST(release_hands_over_headers_of_a_response_without_body),
        GATE_TEST(release_with_nothing_held_does_nothing),
        GATE_TEST(a_held_body_over_the_limit_switches_to_streaming),
        GATE_TEST(too_many_header_bytes_switch_to_streaming),
        GATE_TEST(released_bodies_come_in_chunks_no_larger_than_libcurl_gives),
        GATE_TEST(a_short_count_from_the_body_sink_refuses_the_write),
        GATE_TEST(a_short_count_while_releasing_at_the_first_body_byte_refuses_it),
        GATE_TEST(a_short_count_from_the_header_sink_refuses_the_header),
        GATE_TEST(release_reports_a_refusal),
        GATE_TEST(release_after_a_refusal_hands_over_nothing_more),
        GATE_TEST(a_refused_included_header_does_not_skip_the_next_body_half),
        GATE_TEST(a_pause_while_streaming_resumes_without_loss_or_duplication),
        GATE_TEST(a_pause_on_the_first_body_byte_resumes_without_loss_or_duplication),
        GATE_TEST(a_pause_while_releasing_held_headers_resumes_where_it_stopped),
        GATE_TEST(a_pause_on_the_header_half_of_an_included_header_does_not_repeat_it),
        GATE_TEST(a_pause_inside_a_released_body_record_resumes_at_the_byte),
        GATE_TEST(a_pause_on_a_streamed_included_header_does_not_repeat_it),
        GATE_TEST(a_pause_on_the_body_half_of_a_streamed_included_header_resumes),
        GATE_TEST(status_lines_set_the_status),
        GATE_TEST(retry_after_is_taken_from_its_header_line),
        GATE_TEST(the_request_id_is_taken_from_the_most_specific_header),
        GATE_TEST(a_new_status_line_forgets_the_last_retry_after),
        GATE_TEST(a_very_long_retry_after_is_cut_to_fit),
        GATE_TEST(header_bytes_count_what_arrived),
        GATE_TEST(the_hold_question_gets_the_final_status),
        GATE_TEST(pass_mode_passes_everything_straight_through),
        GATE_TEST(pass_mode_leaves_included_headers_to_libcurl),
        GATE_TEST(discard_after_release_leaves_pass_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
