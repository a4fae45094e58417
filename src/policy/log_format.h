/* One event, one line: text for people, JSON for machines. Pure formatting, no I/O. */
#ifndef TRYAGAIN_LOG_FORMAT_H
#define TRYAGAIN_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/config.h"
#include "policy/retry_plan.h"

enum log_event_kind { EVENT_RETRY, EVENT_GIVE_UP, EVENT_DONE };

struct log_event {
    enum log_event_kind kind;
    const char *method; /* "GET"... for transfers, NULL for connect() and getaddrinfo() */
    const char *call; /* with method NULL: "resolve" for getaddrinfo(); NULL for connect() */
    const char *target; /* a URL (redacted here) or "address:port" */
    long http_status; /* 0: none */
    const char *error; /* words for a failure without status, or NULL */
    int attempt;
    int max_attempts; /* 0: a wait bounded by time (connect()), shown as waited_ms instead */
    long waited_ms; /* with max_attempts 0: time waited so far */
    long wait_ms;
    enum wait_reason wait_reason;
    const char *outcome; /* policy_reason_text() */
    const char *request_id; /* the server's id for this attempt's request, NULL or "" when none */
    const char *call_id; /* ties the attempts of one program call together (JSON), or NULL */
    const char *fallback_for; /* host[:port] this attempt stood in for, NULL when the primary */
    const char *next_host; /* a retry that goes to a fallback: its host[:port], else NULL */
    const char *fallback_why; /* with fallback_for or next_host: why the call moved when not
                                 for the primary's own failures ("circuit open on ..."), or
                                 NULL / "" */
    bool notable; /* logged from TRYAGAIN_LOG=1 even when done: a fallback answered */
};

/* Formats one line ending in '\n' into buffer; returns its length (always < size, size > 64).
   wall_ms is milliseconds since the epoch, for the JSON "time". */
size_t log_format_event(const struct log_event *event, enum log_format format, long long wall_ms,
                        long pid, char *buffer, size_t size);

/* The same for the exit summary of TRYAGAIN_STATS. */
struct log_stats {
    long transfers, connects, attempts, retries, recovered, given_up;
    long long waited_ms;
    long paced; /* attempts that waited for their host's shared pacing slot */
    long long paced_ms; /* of waited_ms, the time those waits took */
};
size_t log_format_stats(const struct log_stats *stats, enum log_format format, long long wall_ms,
                        long pid, char *buffer, size_t size);

#endif
