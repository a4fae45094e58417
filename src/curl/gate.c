/* The program must see exactly one response per call: the final attempt's. So nothing of an
   attempt reaches the program until the gate knows the attempt is final, and a response the
   program has started to receive is never retried. */
#include "curl/gate.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gate_init(struct gate *gate)
{
    /* A new handle per transfer is common (curl -Z): its 700 bytes of text buffers are not
       cleared, as nothing reads them before their lengths say so. */
    memset(gate, 0, offsetof(struct gate, request_id));
    gate->request_id[0] = '\0';
    gate->mode = GATE_PASS;
}

void gate_free(struct gate *gate)
{
    free(gate->held);
    free(gate->records);
    gate->held = NULL;
    gate->records = NULL;
    gate->held_length = gate->held_capacity = 0;
    gate->record_count = gate->record_capacity = 0;
    gate->release_record = gate->release_offset = 0;
}

void gate_decide_at_status_line(struct gate *gate, bool final)
{
    gate->decide_at_status_line = final;
}

void gate_skip_request_ids(struct gate *gate, bool skip)
{
    gate->skip_request_ids = skip;
}

static void forget_held(struct gate *gate)
{
    gate->held_length = 0;
    gate->record_count = 0;
    gate->release_record = 0;
    gate->release_offset = 0;
    gate->release_header_sent_to_body = false;
    /* A large held error page should not pin its memory for the handle's life. */
    if(gate->held_capacity > 65536 || gate->record_capacity > 1024)
        gate_free(gate);
}

static bool nothing_left_to_release(const struct gate *gate)
{
    return gate->release_record == gate->record_count;
}

void gate_begin_attempt(struct gate *gate, gate_hold_fn should_hold, void *hold_ctx,
                        size_t hold_limit)
{
    forget_held(gate);
    gate->mode = GATE_HOLD;
    gate->should_hold = should_hold;
    gate->hold_ctx = hold_ctx;
    gate->hold_limit = hold_limit;
    gate->status = 0;
    gate->body_started = false;
    gate->released = false;
    gate->program_refused = false;
    gate->header_bytes = 0;
    gate->responses = 0;
    gate->retry_after_length = 0;
    gate->request_id[0] = '\0';
    gate->request_id_rank = 0;
    gate->ratelimit_length = 0;
}

/* The next capacity of a buffer that must hold needed elements, starting at first. */
static size_t capacity_for(size_t capacity, size_t needed, size_t first)
{
    if(!capacity)
        capacity = first;
    while(capacity < needed)
        capacity *= 2;
    return capacity;
}

/* A first buffer of 1 KiB holds a usual header block and stays within glibc's per-thread
   cache of small chunks, so a transfer that is not retried allocates it almost for free. */
static bool ensure_room(struct gate *gate, size_t bytes)
{
    if(gate->held_length + bytes > gate->held_capacity) {
        size_t capacity = capacity_for(gate->held_capacity, gate->held_length + bytes, 1024);
        char *grown = realloc(gate->held, capacity);
        if(!grown)
            return false;
        gate->held = grown;
        gate->held_capacity = capacity;
    }
    if(gate->record_count == gate->record_capacity) {
        size_t capacity = capacity_for(gate->record_capacity, gate->record_count + 1, 16);
        struct gate_record *grown = realloc(gate->records, capacity * sizeof(*grown));
        if(!grown)
            return false;
        gate->records = grown;
        gate->record_capacity = capacity;
    }
    return true;
}

static bool hold_record(struct gate *gate, enum gate_record_type type, const char *data,
                        size_t length)
{
    if(gate->held_length + length > gate->hold_limit || !ensure_room(gate, length))
        return false;
    memcpy(gate->held + gate->held_length, data, length);
    gate->records[gate->record_count++] = (struct gate_record){type, gate->held_length, length};
    gate->held_length += length;
    return true;
}

/* Sink results: delivered, paused (libcurl will hand the data over again), or refused. */
enum delivery { DELIVERED, PAUSED, REFUSED };

static enum delivery call_sink(gate_sink_fn sink, void *userdata, char *data, size_t length)
{
    size_t taken = sink(data, 1, length, userdata);
    if(taken == length)
        return DELIVERED;
    return taken == GATE_PAUSE ? PAUSED : REFUSED;
}

/* Body bytes in chunks no larger than libcurl itself would pass. */
static enum delivery deliver_body(struct gate *gate, char *data, size_t length,
                                  size_t *delivered_prefix)
{
    size_t done = 0;
    while(done < length) {
        size_t chunk = length - done > GATE_CHUNK_MAX ? GATE_CHUNK_MAX : length - done;
        enum delivery result =
            call_sink(gate->sinks.body, gate->sinks.body_data, data + done, chunk);
        if(result != DELIVERED) {
            *delivered_prefix = done;
            return result;
        }
        done += chunk;
    }
    *delivered_prefix = done;
    return DELIVERED;
}

/* Whether a header line goes to the body sink too, as libcurl does under CURLOPT_HEADER: not
   a trailer, and only during an attempt. Outside one the real handle has the program's own
   CURLOPT_HEADER and libcurl does it, for HTTP headers only (a file:// or ftp:// transfer's
   header lines never reach the body). */
static bool header_to_body(const struct gate *gate, bool trailer)
{
    return gate->sinks.include_headers && !trailer && gate->mode != GATE_PASS;
}

/* A header line the way libcurl hands it over: to the body sink too when to_body, then to the
   header sink. *body_part_done tracks the first half across a pause. */
static inline enum delivery deliver_header(struct gate *gate, char *data, size_t length,
                                           bool to_body, bool *body_part_done)
{
    if(to_body && !*body_part_done) {
        enum delivery result = call_sink(gate->sinks.body, gate->sinks.body_data, data, length);
        if(result != DELIVERED)
            return result;
        *body_part_done = true;
    }
    if(gate->sinks.header) {
        enum delivery result = call_sink(gate->sinks.header, gate->sinks.header_data, data, length);
        if(result != DELIVERED)
            return result;
    }
    *body_part_done = false;
    return DELIVERED;
}

/* Hands held records over from the cursor on. Stops at a pause (to resume on libcurl's next
   call) or a refusal. */
static enum delivery release_held(struct gate *gate)
{
    while(!nothing_left_to_release(gate)) {
        const struct gate_record *record = &gate->records[gate->release_record];
        char *data = gate->held + record->start + gate->release_offset;
        size_t length = record->length - gate->release_offset;
        enum delivery result;
        if(record->type != RECORD_BODY) {
            /* Held during an attempt, so header_to_body's rule, whatever the mode is now (a
               release at the end of the call is made in GATE_PASS). */
            result = deliver_header(gate, data, length,
                                    gate->sinks.include_headers && record->type != RECORD_TRAILER,
                                    &gate->release_header_sent_to_body);
        }
        else {
            size_t prefix = 0;
            result = deliver_body(gate, data, length, &prefix);
            gate->release_offset += prefix; /* a pause resumes after what was taken */
        }
        if(result != DELIVERED)
            return result;
        gate->release_record++;
        gate->release_offset = 0;
    }
    forget_held(gate);
    return DELIVERED;
}

/* Value for libcurl: the full length, the pause code, or 0 to make libcurl fail the write. */
static size_t answer(struct gate *gate, enum delivery result, size_t length)
{
    if(result == DELIVERED)
        return length;
    if(result == PAUSED)
        return GATE_PAUSE;
    gate->program_refused = true;
    gate->release_header_sent_to_body = false; /* the transfer ends: nothing is resumed */
    return 0;
}

/* From holding to streaming: the program now owns this response. */
static enum delivery start_streaming(struct gate *gate)
{
    gate->mode = GATE_STREAM;
    gate->released = true;
    if(nothing_left_to_release(gate))
        return DELIVERED; /* decided at the status line: nothing was held */
    return release_held(gate);
}

/* The server's request id, from the most specific header that names one. Ids are not secrets
   (they are what a provider asks to be quoted), and only id characters are kept. */
static void note_request_id(struct gate *gate, const char *data, size_t length)
{
    if(gate->skip_request_ids)
        return;
    int rank = request_id_rank(data, length);
    if(rank <= gate->request_id_rank)
        return;
    char id[REQUEST_ID_MAX];
    if(!request_id_value(data, length, id, sizeof(id)))
        return;
    memcpy(gate->request_id, id, sizeof(id));
    gate->request_id_rank = rank;
}

/* RateLimit*, x-ratelimit-*, anthropic-ratelimit-*: kept whole while they fit. */
static void note_ratelimit_line(struct gate *gate, const char *data, size_t length)
{
    static const char *const prefixes[] = {"ratelimit", "x-ratelimit-", "anthropic-ratelimit-"};
    /* Their second bytes tell them from the common headers that share a first one
       (Accept-Ranges, X-Frame-Options, Referrer-Policy), without a string compare. */
    char second = length > 1 ? (char)(data[1] | 0x20) : '\0';
    if(second != 'a' && second != '-' && second != 'n')
        return;
    bool wanted = false;
    for(size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !wanted; i++) {
        size_t n = strlen(prefixes[i]);
        wanted = length > n && !strncasecmp(data, prefixes[i], n);
    }
    if(!wanted)
        return;
    while(length && (data[length - 1] == '\n' || data[length - 1] == '\r'))
        length--;
    if(gate->ratelimit_length + length + 1 > sizeof(gate->ratelimit))
        return;
    memcpy(gate->ratelimit + gate->ratelimit_length, data, length);
    gate->ratelimit_length += length;
    gate->ratelimit[gate->ratelimit_length++] = '\n';
}

static void note_header_line(struct gate *gate, const char *data, size_t length)
{
    /* Most lines are none of these: one look at the first byte sends them on their way. */
    if(length == 0)
        return;
    switch(data[0]) {
    case 'x':
    case 'X':
    case 'r':
    case 'R':
    case 'c':
    case 'C':
    case 'f':
    case 'F':
        note_request_id(gate, data, length);
        break;
    default:
        break;
    }
    if(data[0] == 'x' || data[0] == 'X' || data[0] == 'a' || data[0] == 'A') {
        note_ratelimit_line(gate, data, length);
        return;
    }
    if(data[0] != 'H' && data[0] != 'r' && data[0] != 'R')
        return;
    if(length >= 5 && !memcmp(data, "HTTP/", 5)) {
        /* A new response begins (1xx, a redirect, a proxy's CONNECT reply, the final one). */
        const char *space = memchr(data, ' ', length);
        long status = 0;
        if(space && (size_t)(space - data) + 4 <= length && isdigit((unsigned char)space[1]) &&
           isdigit((unsigned char)space[2]) && isdigit((unsigned char)space[3]))
            status = (space[1] - '0') * 100 + (space[2] - '0') * 10 + (space[3] - '0');
        gate->status = status;
        if(status >= 200)
            gate->responses++;
        gate->retry_after_length = 0;
        gate->request_id[0] = '\0';
        gate->request_id_rank = 0;
        gate->ratelimit_length = 0;
        return;
    }
    if(data[0] != 'H')
        note_ratelimit_line(gate, data, length);
    static const char name[] = "retry-after:";
    size_t name_length = sizeof(name) - 1;
    if(length > name_length && !strncasecmp(data, name, name_length)) {
        const char *value = data + name_length;
        size_t value_length = length - name_length;
        while(value_length && (*value == ' ' || *value == '\t')) {
            value++;
            value_length--;
        }
        while(value_length && isspace((unsigned char)value[value_length - 1]))
            value_length--;
        if(value_length >= sizeof(gate->retry_after)) {
            /* Too long to keep whole. Only delta-seconds can be valid at this length, and its
               first digits already say how huge it is. Anything else must stay unparseable,
               not be cut down to a prefix that parses ("1", spaces, then junk). */
            bool all_digits = true;
            for(size_t i = 0; i < value_length && all_digits; i++)
                all_digits = isdigit((unsigned char)value[i]) != 0;
            if(all_digits) {
                /* Leading zeros first, or "000...0001" would be kept as a zero wait. What is
                   left past the room is at least 10^127 seconds: saturated either way. */
                while(value_length > 1 && *value == '0') {
                    value++;
                    value_length--;
                }
                if(value_length >= sizeof(gate->retry_after))
                    value_length = sizeof(gate->retry_after) - 1;
            }
            else {
                value = "-";
                value_length = 1;
            }
        }
        memcpy(gate->retry_after, value, value_length);
        gate->retry_after[value_length] = '\0';
        gate->retry_after_length = value_length;
    }
}

/* Whether a header line that arrives while the response streams may say something the gate
   notes: a status line, a Retry-After or rate-limit line, a request id. The others, most of a
   response's lines, go straight on. */
static bool may_be_noted(const struct gate *gate, char first)
{
    switch(first) {
    case 'H':
    case 'x':
    case 'X':
    case 'a':
    case 'A':
    case 'r':
    case 'R':
        return true;
    case 'c':
    case 'C':
    case 'f':
    case 'F':
        return !gate->skip_request_ids;
    default:
        return false;
    }
}

/* Every other case, out of line: the line above is most of a response's, and should not pay
   for this one's registers. */
__attribute__((noinline)) static size_t header_held_or_noted(struct gate *gate, char *data,
                                                             size_t length);

size_t gate_header(struct gate *gate, char *data, size_t length)
{
    if(gate->mode == GATE_STREAM && length && !may_be_noted(gate, data[0]) &&
       nothing_left_to_release(gate)) {
        gate->header_bytes += length;
        return answer(gate,
                      deliver_header(gate, data, length, header_to_body(gate, gate->body_started),
                                     &gate->release_header_sent_to_body),
                      length);
    }
    return header_held_or_noted(gate, data, length);
}

static size_t header_held_or_noted(struct gate *gate, char *data, size_t length)
{
    /* A line passed straight on keeps its CURLOPT_HEADER half-done mark in the gate too: after
       a pause libcurl hands the same line over again, and its body half must not repeat. The
       mark is free for it, as nothing held is pending. Outside an attempt a status line is
       the only sign that a new response (and no longer a trailer) begins. */
    if(gate->mode == GATE_PASS) {
        if(length >= 5 && !memcmp(data, "HTTP/", 5))
            gate->body_started = false;
        return answer(gate,
                      deliver_header(gate, data, length, header_to_body(gate, gate->body_started),
                                     &gate->release_header_sent_to_body),
                      length);
    }
    bool trailer = gate->body_started;
    gate->header_bytes += length;
    note_header_line(gate, data, length);
    /* Only the attempt's first response: after a redirect (to https://, through a proxy's
       tunnel) or an authentication round, a CONNECT reply may come next. */
    if(gate->mode == GATE_HOLD && gate->decide_at_status_line && gate->status >= 200 &&
       gate->status <= 299 && gate->responses == 1 && !trailer && length >= 5 &&
       !memcmp(data, "HTTP/", 5) &&
       (!gate->should_hold || !gate->should_hold(gate->hold_ctx, gate->status))) {
        enum delivery result = start_streaming(gate); /* what came before: a 1xx */
        if(result != DELIVERED)
            return answer(gate, result, length);
    }
    if(gate->mode == GATE_HOLD) {
        if(!gate->sinks.header && !gate->sinks.include_headers)
            return length; /* nobody will be shown it: noting status and Retry-After is enough */
        if(hold_record(gate, trailer ? RECORD_TRAILER : RECORD_HEADER, data, length))
            return length;
        enum delivery result = start_streaming(gate); /* too much to hold: let it through */
        if(result != DELIVERED)
            return answer(gate, result, length);
    }
    /* Streaming: trailers, or lines after a hold overflowed. Held data goes first. */
    enum delivery result = DELIVERED;
    if(!nothing_left_to_release(gate))
        result = release_held(gate);
    if(result == DELIVERED)
        result = deliver_header(gate, data, length, header_to_body(gate, trailer),
                                &gate->release_header_sent_to_body);
    return answer(gate, result, length);
}

size_t gate_body(struct gate *gate, char *data, size_t length)
{
    if(gate->mode == GATE_PASS) {
        gate->body_started = true; /* header lines from now on are trailers */
        return answer(gate, call_sink(gate->sinks.body, gate->sinks.body_data, data, length),
                      length);
    }
    if(gate->mode == GATE_HOLD) {
        if(!gate->body_started) {
            gate->body_started = true;
            if(!gate->should_hold || !gate->should_hold(gate->hold_ctx, gate->status)) {
                enum delivery result = start_streaming(gate);
                if(result != DELIVERED)
                    return answer(gate, result, length);
                return answer(
                    gate, call_sink(gate->sinks.body, gate->sinks.body_data, data, length), length);
            }
        }
        if(hold_record(gate, RECORD_BODY, data, length))
            return length;
        enum delivery result = start_streaming(gate);
        if(result != DELIVERED)
            return answer(gate, result, length);
    }
    gate->body_started = true; /* also when streaming began in the headers (a hold overflow) */
    enum delivery result = release_held(gate);
    if(result == DELIVERED)
        result = call_sink(gate->sinks.body, gate->sinks.body_data, data, length);
    return answer(gate, result, length);
}

bool gate_release(struct gate *gate)
{
    if(gate->program_refused) {
        /* A callback of the program said stop (libcurl aborted the transfer): it gets nothing
           more, not even the rest of what was held. */
        gate->mode = GATE_PASS;
        forget_held(gate);
        return false;
    }
    if(gate->mode == GATE_HOLD && gate->record_count)
        gate->released = true;
    gate->mode = GATE_PASS;
    /* The transfer is over, so a pause cannot be resumed: a record the program paused on is
       passed over and the rest still handed on. */
    while(!nothing_left_to_release(gate)) {
        enum delivery result = release_held(gate);
        if(result == REFUSED) {
            gate->program_refused = true;
            forget_held(gate);
            return false;
        }
        if(result == PAUSED) {
            gate->release_record++;
            gate->release_offset = 0;
            gate->release_header_sent_to_body = false;
        }
    }
    forget_held(gate);
    return !gate->program_refused;
}

void gate_discard(struct gate *gate)
{
    forget_held(gate);
    gate->mode = GATE_PASS;
    gate->body_started = false; /* what passes through next starts a response of its own */
}
