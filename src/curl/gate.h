/* What the program is shown of an attempt. Headers are held until the final response of the
   attempt is known; an error response that may be retried is held whole (up to a limit); a
   response that will not be retried streams to the program as it arrives. */
#ifndef TRYAGAIN_GATE_H
#define TRYAGAIN_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/request_id.h"

/* The shape of libcurl's write and header callbacks. */
typedef size_t (*gate_sink_fn)(char *data, size_t size, size_t count, void *userdata);

/* Where the program wants response data, with libcurl's defaults already applied. */
struct gate_sinks {
    gate_sink_fn body;
    void *body_data;
    gate_sink_fn header; /* NULL: the program does not receive header lines */
    void *header_data;
    bool include_headers; /* CURLOPT_HEADER: header lines also go to the body sink, first */
};

/* Asked at the first body byte: may this attempt still be retried, given its status? */
typedef bool (*gate_hold_fn)(void *ctx, long status);

enum gate_mode {
    GATE_PASS, /* outside a retried perform: everything goes straight to the program */
    GATE_HOLD, /* collecting the attempt */
    GATE_STREAM, /* the program has this response: deliver as it arrives */
};

#define GATE_RETRY_AFTER_MAX 128
/* Rate-limit header lines of the latest response, kept for coordination (policy/ratelimit.h). */
#define GATE_RATELIMIT_MAX 512
/* libcurl promises write callbacks at most this many bytes at a time (CURL_MAX_WRITE_SIZE). */
#define GATE_CHUNK_MAX 16384
/* libcurl's CURL_WRITEFUNC_PAUSE */
#define GATE_PAUSE ((size_t)0x10000001)

enum gate_record_type { RECORD_HEADER, RECORD_TRAILER, RECORD_BODY };

struct gate_record {
    enum gate_record_type type; /* a trailer follows the body: header sink only, never the body */
    size_t start; /* offset in held */
    size_t length;
};

struct gate {
    struct gate_sinks sinks;
    enum gate_mode mode;
    bool decide_at_status_line; /* a 2xx status line is the attempt's final response */
    int responses; /* status lines other than 1xx in this attempt, the latest included */
    bool skip_request_ids; /* nothing will log them: their headers are not looked for */
    gate_hold_fn should_hold;
    void *hold_ctx;
    size_t hold_limit;

    /* What is held: the bytes of every held callback call, in arrival order, and one record per
       call saying what it was and where its bytes are. Handing over walks the records; a pause
       in the middle of one leaves release_offset at the first byte not yet taken. */
    char *held;
    size_t held_length; /* bytes; what hold_limit bounds */
    size_t held_capacity;
    struct gate_record *records;
    size_t record_count;
    size_t record_capacity;
    size_t release_record; /* the next record to hand over */
    size_t release_offset; /* bytes of it already taken by the program */
    bool release_header_sent_to_body; /* CURLOPT_HEADER: first half of a header record done */

    /* Facts of the current attempt. */
    long status; /* of the latest status line */
    bool body_started;
    bool released; /* the program has been shown part of this attempt */
    bool program_refused; /* a callback of the program returned a short count */
    size_t header_bytes;
    size_t retry_after_length; /* 0: no Retry-After in the latest header block */
    int request_id_rank; /* of the header it came from (policy/request_id.h), 0 when none */
    size_t ratelimit_length; /* 0: none in the latest header block */
    /* Last, so that gate_init need not clear them: their lengths above say what is valid. */
    char request_id[REQUEST_ID_MAX]; /* the server's id for the request, "" when none */
    char retry_after[GATE_RETRY_AFTER_MAX];
    char ratelimit[GATE_RATELIMIT_MAX]; /* "name: value\n" lines, as many as fit whole */
};

void gate_init(struct gate *gate);
void gate_free(struct gate *gate);

void gate_begin_attempt(struct gate *gate, gate_hold_fn should_hold, void *hold_ctx,
                        size_t hold_limit);
/* When no proxy's CONNECT reply can come before the response (the caller knows: an http://
   URL without CURLOPT_HTTPPROXYTUNNEL), a 2xx status line that is the attempt's first response
   (1xx aside) is its final one, and if should_hold declines it the response streams from that
   line on: nothing is copied and held on the success path. After a redirect the hold goes on
   as before, since the next URL may be https:// through a proxy. Kept across attempts; off
   after gate_init. */
void gate_decide_at_status_line(struct gate *gate, bool final);
/* The server's request id is noted only for the log: without one, the gate does not look. */
void gate_skip_request_ids(struct gate *gate, bool skip);
/* libcurl's header and write callbacks; the return value goes back to libcurl. */
size_t gate_header(struct gate *gate, char *data, size_t length);
size_t gate_body(struct gate *gate, char *data, size_t length);
/* The attempt is final: hand over what is held. False when the program refused some of it. */
bool gate_release(struct gate *gate);
/* The attempt will be retried: forget what is held. */
void gate_discard(struct gate *gate);

#endif
