/* The gate fed arbitrary callback sequences, checked against a reference model.
   The harness plays libcurl: performs made of attempts, each a stream of header lines (status
   lines, Retry-After, others) and body chunks, ended by a release or (when the program has seen
   nothing of it) a discard. The program's sinks accept, pause or refuse as the input says; a
   paused call is handed over again, as libcurl does after curl_easy_pause, sometimes with more
   body bytes joined on. What the sinks end up with must be exactly one attempt's response, in
   order, nothing of a discarded attempt, no byte lost or repeated across pauses; after a refusal
   nothing more; and a release after the transfer ended may pass over what a sink paused on
   (it cannot be resumed) but never repeats or invents bytes. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fuzz_input.h"
#include "curl/gate.h"
#include "policy/retry_after.h"

#define ATTEMPTS_MAX 6
#define PERFORMS_MAX 4
#define GENERATED_BYTES_MAX (256 * 1024) /* per input, so one execution stays fast */
#define PAUSES_BEFORE_ACCEPT 3

/* FUZZ_GATE_TRACE=1 build/fuzz/fuzz_gate crash-file: the scenario, step by step, on stderr. */
static bool tracing(void)
{
    static int enabled = -1;
    if(enabled < 0)
        enabled = getenv("FUZZ_GATE_TRACE") != NULL;
    return enabled;
}
#define TRACE(...)                                                                                 \
    do {                                                                                           \
        if(tracing())                                                                              \
            fprintf(stderr, __VA_ARGS__);                                                          \
    } while(0)

struct bytes {
    uint8_t *data;
    size_t length, capacity;
};

static void bytes_append(struct bytes *b, const void *data, size_t length)
{
    if(b->length + length > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while(capacity < b->length + length)
            capacity *= 2;
        b->data = realloc(b->data, capacity);
        if(!b->data)
            abort();
        b->capacity = capacity;
    }
    if(length)
        memcpy(b->data + b->length, data, length);
    b->length += length;
}

struct sink {
    struct harness *harness;
    struct bytes received;
};

struct harness {
    struct fuzz_input *in;
    struct gate gate;
    struct sink body_sink, header_sink_storage;
    struct sink *header_sink; /* NULL, its own, or &body_sink (HEADERDATA == WRITEDATA) */
    bool include_headers;

    /* Sink behaviour */
    bool force_accept; /* the program has been paused long enough: take it now */
    bool sink_paused; /* since the last gate call */
    bool sink_refused; /* in this perform: no sink may be called again */
    bool releasing; /* inside gate_release: the transfer is over */
    int sink_calls; /* in the current attempt */

    /* The response of the current attempt, as each sink should see it. */
    struct bytes expected_body, expected_header;
    bool body_seen; /* of the current response: header lines now are trailers */
    bool passing; /* a perform the library does not retry: the gate passes through */
    bool header_as_body; /* a header line handed to the write callback, as libcurl does */
    bool lossy; /* a release passed over a pause, or libcurl gave up paused */
    size_t exact_body, exact_header; /* received lengths up to which order must be exact */

    /* Reference model of the facts the gate notes. */
    long status;
    bool has_retry_after;
    struct bytes retry_after;
    bool headers_seen;
    bool hold_asked;
    size_t generated;
};

/* ---- the program's sinks ---- */

enum sink_answer { ANSWER_TAKE, ANSWER_PAUSE, ANSWER_REFUSE };

static enum sink_answer sink_decision(struct harness *h)
{
    if(h->force_accept)
        return ANSWER_TAKE;
    uint8_t pick = fuzz_u8(h->in);
    return pick < 200 ? ANSWER_TAKE : pick < 245 ? ANSWER_PAUSE : ANSWER_REFUSE;
}

static size_t sink_write(char *data, size_t size, size_t count, void *userdata)
{
    struct sink *sink = userdata;
    struct harness *h = sink->harness;
    FUZZ_CHECK(size == 1);
    FUZZ_CHECK(!h->sink_refused); /* the transfer failed: the program is not called again */
    if(sink == &h->body_sink)
        FUZZ_CHECK(count <= GATE_CHUNK_MAX); /* libcurl's promise, which the gate keeps */
    h->sink_calls++;
    enum sink_answer decision = sink_decision(h);
    TRACE("    %s sink %zu bytes: %s\n", sink == &h->body_sink ? "body" : "header", count,
          decision == ANSWER_TAKE    ? "take"
          : decision == ANSWER_PAUSE ? "pause"
                                     : "refuse");
    switch(decision) {
    case ANSWER_TAKE:
        bytes_append(&sink->received, data, count);
        return count;
    case ANSWER_PAUSE:
        h->sink_paused = true;
        if(h->releasing)
            h->lossy = true; /* documented: a pause cannot be resumed after the transfer */
        return GATE_PAUSE;
    case ANSWER_REFUSE:
        break;
    }
    h->sink_refused = true;
    size_t short_count = fuzz_upto(h->in, count ? count - 1 : 0);
    return short_count;
}

static bool should_hold(void *ctx, long status)
{
    struct harness *h = ctx;
    FUZZ_CHECK(!h->hold_asked); /* once per attempt, at its first body byte */
    FUZZ_CHECK(status == h->status);
    h->hold_asked = true;
    return fuzz_u8(h->in) < 192;
}

/* ---- reference model of the response ---- */

static void model_header_line(struct harness *h, const uint8_t *line, size_t length)
{
    h->headers_seen = true;
    if(length >= 5 && !memcmp(line, "HTTP/", 5)) {
        const uint8_t *space = memchr(line, ' ', length);
        size_t at = space ? (size_t)(space - line) : length;
        bool digits = at + 4 <= length && isdigit(line[at + 1]) && isdigit(line[at + 2]) &&
                      isdigit(line[at + 3]);
        h->status =
            digits ? (line[at + 1] - '0') * 100 + (line[at + 2] - '0') * 10 + (line[at + 3] - '0')
                   : 0;
        h->has_retry_after = false; /* a new response: its own header block */
        return;
    }
    static const char name[] = "retry-after:";
    size_t name_length = sizeof(name) - 1;
    if(length <= name_length || strncasecmp((const char *)line, name, name_length))
        return;
    const uint8_t *value = line + name_length;
    size_t value_length = length - name_length;
    while(value_length && (*value == ' ' || *value == '\t')) {
        value++;
        value_length--;
    }
    while(value_length && isspace(value[value_length - 1]))
        value_length--;
    h->retry_after.length = 0;
    bytes_append(&h->retry_after, value, value_length);
    h->has_retry_after = value_length > 0;
}

static void model_header(struct harness *h, const uint8_t *line, size_t length)
{
    model_header_line(h, line, length);
    /* Within an attempt, libcurl never starts a response after a body; passing through,
       the gate takes a status line as a new response. */
    if(h->passing && length >= 5 && !memcmp(line, "HTTP/", 5))
        h->body_seen = false;
    /* libcurl hands trailers to the header callback only, even under CURLOPT_HEADER. */
    if(h->include_headers && !h->body_seen)
        bytes_append(&h->expected_body, line, length);
    if(h->header_sink)
        bytes_append(h->header_sink == &h->body_sink ? &h->expected_body : &h->expected_header,
                     line, length);
}

static void model_body(struct harness *h, const uint8_t *data, size_t length)
{
    h->body_seen = true;
    bytes_append(&h->expected_body, data, length);
}

/* The Retry-After the gate kept must mean what the whole header value meant. */
static void check_retry_after(struct harness *h, time_t now)
{
    FUZZ_CHECK((h->gate.retry_after_length > 0) == h->has_retry_after);
    if(!h->has_retry_after)
        return;
    FUZZ_CHECK(h->gate.retry_after_length < sizeof(h->gate.retry_after));
    FUZZ_CHECK(h->gate.retry_after[h->gate.retry_after_length] == '\0');
    long kept_ms = -1, full_ms = -1;
    bool kept = retry_after_parse(h->gate.retry_after, h->gate.retry_after_length, now, &kept_ms);
    bool full =
        retry_after_parse((const char *)h->retry_after.data, h->retry_after.length, now, &full_ms);
    FUZZ_CHECK(kept == full);
    if(kept)
        FUZZ_CHECK(kept_ms == full_ms);
}

/* ---- libcurl's side ---- */

enum outcome { OUTCOME_DONE, OUTCOME_REFUSED, OUTCOME_GAVE_UP_PAUSED };

/* One header line or body chunk handed to the gate until it is taken, as libcurl does. */
static enum outcome hand_over(struct harness *h, bool header, struct bytes *chunk)
{
    int pauses = 0;
    for(;;) {
        /* libcurl's own buffer: the gate must copy what it keeps, never hold the pointer. */
        char *copy = fuzz_exact_copy(chunk->data, chunk->length);
        h->sink_paused = false;
        bool refused_before = h->sink_refused;
        size_t answer = header ? gate_header(&h->gate, copy, chunk->length)
                               : gate_body(&h->gate, copy, chunk->length);
        free(copy);
        TRACE("  gate_%s(%zu) = %#zx\n", header ? "header" : "body", chunk->length, answer);
        if(h->sink_refused && !refused_before) {
            FUZZ_CHECK(answer == 0); /* libcurl must fail the transfer */
            return OUTCOME_REFUSED;
        }
        if(answer == chunk->length) {
            h->force_accept = false;
            return OUTCOME_DONE;
        }
        FUZZ_CHECK(answer == GATE_PAUSE && h->sink_paused);
        uint8_t next = fuzz_u8(h->in);
        if(next >= 250) { /* a timeout while paused: libcurl never hands this chunk over again */
            h->lossy = true;
            h->force_accept = false;
            return OUTCOME_GAVE_UP_PAUSED;
        }
        if(!header && !h->header_as_body && next >= 200 && chunk->length < GATE_CHUNK_MAX) {
            /* More body arrived while paused; libcurl passes it on together with the rest. */
            uint8_t more[64];
            size_t more_length = fuzz_upto(h->in, sizeof(more));
            more_length = more_length > GATE_CHUNK_MAX - chunk->length
                              ? GATE_CHUNK_MAX - chunk->length
                              : more_length;
            for(size_t i = 0; i < more_length; i++)
                more[i] = fuzz_u8(h->in);
            bytes_append(chunk, more, more_length);
            model_body(h, more, more_length);
        }
        if(++pauses >= PAUSES_BEFORE_ACCEPT)
            h->force_accept = true;
    }
}

static void mark_exact_prefix(struct harness *h)
{
    if(h->lossy)
        return;
    h->exact_body = h->body_sink.received.length;
    h->exact_header = h->header_sink_storage.received.length;
}

/* The next header line of the response, shaped so status lines and Retry-After are common. */
static void take_header_line(struct harness *h, uint8_t kind, struct bytes *line)
{
    static const char *const retry_after_values[] = {
        "0",
        "1",
        "120",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "-1",
        "99999999999999999999",
        "1 junk",
    };
    const uint8_t *raw;
    size_t raw_length = fuzz_bytes(h->in, 200, &raw);
    char text[300];
    int length;
    switch(kind % 6) {
    case 0:
        length = snprintf(text, sizeof(text), "HTTP/1.1 %03u Reason\r\n",
                          (unsigned)fuzz_upto(h->in, 999));
        break;
    case 1:
        length = snprintf(text, sizeof(text), "Retry-After: %s\r\n",
                          retry_after_values[fuzz_u8(h->in) % 8]);
        break;
    case 2:
        length = snprintf(text, sizeof(text), "rEtRy-AfTeR:\t%.*s\r\n", (int)raw_length,
                          (const char *)raw);
        break;
    case 3:
        length = snprintf(text, sizeof(text), "\r\n");
        break;
    default:
        if(raw_length)
            bytes_append(line, raw, raw_length);
        else
            bytes_append(line, "\n", 1); /* libcurl never hands over an empty line */
        return;
    }
    bytes_append(line, text, (size_t)length < sizeof(text) ? (size_t)length : sizeof(text) - 1);
}

static void take_body_chunk(struct harness *h, uint8_t kind, struct bytes *chunk)
{
    if(kind & 0x80 && h->generated < GENERATED_BYTES_MAX) {
        /* A large chunk, up to libcurl's maximum, to cross hold limits and chunk splits. */
        size_t length = 1 + fuzz_upto(h->in, GATE_CHUNK_MAX - 1);
        uint8_t seed = fuzz_u8(h->in);
        for(size_t i = 0; i < length; i++) {
            uint8_t byte = (uint8_t)(seed + i * 7 + i / 251);
            bytes_append(chunk, &byte, 1);
        }
        h->generated += length;
        return;
    }
    const uint8_t *data;
    size_t length = fuzz_bytes(h->in, 64, &data);
    if(!length) {
        static const uint8_t filler = 'b';
        bytes_append(chunk, &filler, 1);
        return;
    }
    bytes_append(chunk, data, length);
}

/* Feeds one attempt's response. Returns how the transfer ended. */
static enum outcome run_response(struct harness *h)
{
    for(;;) {
        if(fuzz_empty(h->in))
            return OUTCOME_DONE;
        uint8_t op = fuzz_u8(h->in);
        if(op % 8 == 7)
            return OUTCOME_DONE; /* the response is complete */
        struct bytes chunk = {0};
        bool header = op % 8 < 4;
        if(header) {
            take_header_line(h, op / 8, &chunk);
            model_header(h, chunk.data, chunk.length);
            /* Passing through, the real handle has the program's CURLOPT_HEADER, and libcurl
               itself hands an HTTP header line (not a trailer) to the write callback first. */
            if(h->passing && h->include_headers && !h->body_seen) {
                h->header_as_body = true;
                enum outcome outcome = hand_over(h, false, &chunk);
                h->header_as_body = false;
                if(outcome != OUTCOME_DONE) {
                    free(chunk.data);
                    return outcome;
                }
            }
        }
        else {
            take_body_chunk(h, op, &chunk);
            model_body(h, chunk.data, chunk.length);
        }
        enum outcome outcome = hand_over(h, header, &chunk);
        free(chunk.data);
        if(outcome != OUTCOME_DONE)
            return outcome;
        mark_exact_prefix(h);
    }
}

/* ---- checks of what the program received ---- */

static bool is_prefix(const struct bytes *part, const struct bytes *whole, size_t length)
{
    return length <= part->length && length <= whole->length &&
           (length == 0 || !memcmp(part->data, whole->data, length));
}

static bool is_subsequence(const struct bytes *part, const struct bytes *whole)
{
    size_t j = 0;
    for(size_t i = 0; i < part->length; i++) {
        while(j < whole->length && whole->data[j] != part->data[i])
            j++;
        if(j == whole->length)
            return false;
        j++;
    }
    return true;
}

static void check_stream(const struct harness *h, const struct bytes *received,
                         const struct bytes *expected, size_t exact)
{
    if(h->lossy) {
        FUZZ_CHECK(is_prefix(received, expected, exact));
        FUZZ_CHECK(is_subsequence(received, expected));
    }
    else if(h->sink_refused) {
        FUZZ_CHECK(received->length <= expected->length);
        FUZZ_CHECK(is_prefix(received, expected, received->length));
    }
    else {
        FUZZ_CHECK(received->length == expected->length);
        FUZZ_CHECK(is_prefix(received, expected, received->length));
    }
}

static void check_received(const struct harness *h)
{
    TRACE("received body %zu of %zu, header %zu of %zu%s%s\n", h->body_sink.received.length,
          h->expected_body.length, h->header_sink_storage.received.length,
          h->expected_header.length, h->lossy ? ", lossy" : "", h->sink_refused ? ", refused" : "");
    check_stream(h, &h->body_sink.received, &h->expected_body, h->exact_body);
    if(h->header_sink == &h->header_sink_storage)
        check_stream(h, &h->header_sink_storage.received, &h->expected_header, h->exact_header);
    else
        FUZZ_CHECK(h->header_sink_storage.received.length == 0);
}

/* ---- performs ---- */

static void start_perform(struct harness *h)
{
    h->body_sink.received.length = 0;
    h->header_sink_storage.received.length = 0;
    h->sink_refused = false;
    h->force_accept = false;
}

static void start_attempt(struct harness *h)
{
    h->expected_body.length = 0;
    h->expected_header.length = 0;
    h->body_seen = false;
    h->lossy = false;
    h->exact_body = h->exact_header = 0;
    h->status = 0;
    h->has_retry_after = false;
    h->headers_seen = false;
    h->hold_asked = false;
    h->sink_calls = 0;
}

/* Outside a retried perform everything goes straight through. */
static void run_pass_through_perform(struct harness *h)
{
    TRACE("pass-through perform\n");
    h->passing = true;
    /* A transfer can end while the program has a header line paused (a timeout), leaving the
       gate's mark that the line's CURLOPT_HEADER half went to the body sink; the next perform
       must not inherit it, or the body sink misses its first header line. gate_discard() clears
       it, as curl_easy_perform's plain path does (found by this target). */
    gate_discard(&h->gate);
    start_perform(h);
    start_attempt(h);
    run_response(h);
    check_received(h);
}

static size_t take_hold_limit(struct fuzz_input *in)
{
    static const size_t limits[] = {0, 1, 64, 300, 4096, 1024 * 1024};
    uint8_t pick = fuzz_u8(in);
    return pick < 200 ? limits[pick % 6] : fuzz_upto(in, 70000);
}

static void run_retried_perform(struct harness *h, time_t now)
{
    h->passing = false;
    start_perform(h);
    for(int attempt = 1;; attempt++) {
        start_attempt(h);
        bool ask = fuzz_u8(h->in) < 230;
        size_t hold_limit = take_hold_limit(h->in);
        TRACE("attempt %d: hold limit %zu%s\n", attempt, hold_limit, ask ? "" : ", never hold");
        gate_begin_attempt(&h->gate, ask ? should_hold : NULL, h, hold_limit);
        enum outcome outcome = run_response(h);

        FUZZ_CHECK(h->gate.status == h->status);
        FUZZ_CHECK((h->gate.header_bytes > 0) == h->headers_seen);
        check_retry_after(h, now);
        /* The policy's safety rests on this: whatever reached the program marks the attempt. */
        if(h->sink_calls > 0)
            FUZZ_CHECK(h->gate.released);

        bool may_retry = !h->gate.released && outcome != OUTCOME_REFUSED &&
                         attempt < ATTEMPTS_MAX && !fuzz_empty(h->in);
        if(may_retry && fuzz_u8(h->in) < 160) {
            TRACE("discard\n");
            gate_discard(&h->gate);
            FUZZ_CHECK(h->body_sink.received.length == 0);
            FUZZ_CHECK(h->header_sink_storage.received.length == 0);
            continue;
        }
        TRACE("release\n");
        h->releasing = true;
        bool complete = gate_release(&h->gate);
        h->releasing = false;
        FUZZ_CHECK(complete == !h->sink_refused);
        check_received(h);
        return;
    }
}

static void setup_sinks(struct harness *h, uint8_t shape)
{
    h->include_headers = shape & 1;
    h->header_sink = shape & 2 ? (shape & 4 ? &h->body_sink : &h->header_sink_storage) : NULL;
    TRACE("sinks: include_headers %d, header sink %s\n", h->include_headers,
          !h->header_sink                   ? "none"
          : h->header_sink == &h->body_sink ? "= body"
                                            : "own");
    h->gate.sinks.body = sink_write;
    h->gate.sinks.body_data = &h->body_sink;
    h->gate.sinks.header = h->header_sink ? sink_write : NULL;
    h->gate.sinks.header_data = h->header_sink;
    h->gate.sinks.include_headers = h->include_headers;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    static struct harness h;
    memset(&h, 0, sizeof(h));
    h.in = &in;
    h.body_sink.harness = h.header_sink_storage.harness = &h;
    gate_init(&h.gate);
    setup_sinks(&h, fuzz_u8(&in));
    time_t now = (time_t)784111777 + (time_t)fuzz_u32(&in); /* from 1994 on */

    for(int perform = 0; perform < PERFORMS_MAX && !fuzz_empty(&in); perform++) {
        if(fuzz_u8(&in) < 40)
            run_pass_through_perform(&h);
        else
            run_retried_perform(&h, now);
    }

    gate_free(&h.gate);
    free(h.body_sink.received.data);
    free(h.header_sink_storage.received.data);
    free(h.expected_body.data);
    free(h.expected_header.data);
    free(h.retry_after.data);
    return 0;
}
