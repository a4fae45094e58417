/* One event, one line: text for people, JSON for machines. Pure formatting, no I/O. */
#ifndef TRYAGAIN_LOG_FORMAT_H
#define TRYAGAIN_LOG_FORMAT_H

#include <stddef.h>

#include "policy/config.h"
#include "policy/retry_plan.h"

enum log_event_kind { EVENT_RETRY, EVENT_GIVE_UP, EVENT_DONE };

struct log_event {
    enum log_event_kind kind;
    const char *method; /* "GET"... for transfers, NULL for connect() */
    const char *target; /* a URL (redacted here) or "address:port" */
    long http_status; /* 0: none */
    const char *error; /* words for a failure without status, or NULL */
    int attempt;
    int max_attempts;
    long wait_ms;
    enum wait_reason wait_reason;
    const char *outcome; /* policy_reason_text() */
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
