/* Pure retry decisions: is this outcome worth another attempt, and how long to wait first. */
#ifndef TRYAGAIN_POLICY_H
#define TRYAGAIN_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/config.h"

/* What one attempt of a transfer came to, as far as the decision needs it. */
struct attempt_result {
    int curl_code; /* CURLcode of the attempt */
    long http_status; /* status of the attempt's final response, 0 when none arrived */
    bool response_started; /* some response byte (a header line) arrived */
    bool delivered; /* part of the response has already reached the program */
    bool request_sent; /* some request byte left (CURLINFO_REQUEST_SIZE > 0) */
    bool idempotent; /* GET, HEAD, PUT, DELETE, OPTIONS, TRACE */
    long retry_after_ms; /* from a usable Retry-After header, -1 when none */
};

enum plan_reason {
    PLAN_RETRY,
    PLAN_SUCCEEDED, /* not a failure at all */
    PLAN_NOT_TRANSIENT, /* a failure, but one that repeating will not fix */
    PLAN_DELIVERED, /* the program already has part of this response */
    PLAN_UNSAFE, /* non-idempotent request the server may have acted on */
    PLAN_EXHAUSTED, /* TRYAGAIN_MAX_ATTEMPTS reached */
    PLAN_RETRY_AFTER_TOO_LONG,
    PLAN_DEADLINE,
    PLAN_NOT_REWINDABLE, /* the upload source cannot be read again from its start */
    PLAN_INTERRUPTED, /* a signal ended the wait */
    PLAN_WAIT_OVER, /* connect(): the time budget for the server to come up is spent */
    PLAN_BUDGET_SPENT, /* the host's shared retry budget is spent (coordination) */
    PLAN_CIRCUIT_OPEN, /* the host fails for every process: its breaker is open */
};

/* WAIT_POLL: connect() polling for a server to come up (connect_wait_plan). WAIT_PACING: the
   wait is the host's shared pacing slot (coordination), not a backoff. */
enum wait_reason { WAIT_BACKOFF, WAIT_RETRY_AFTER, WAIT_POLL, WAIT_PACING };

struct retry_plan {
    bool retry;
    enum plan_reason reason;
    long wait_ms;
    enum wait_reason wait_reason;
};

/* 429 and 503: the server says it did not act on the request and may name, in Retry-After,
   when to come back. The one place this rule is written: it makes a non-idempotent request
   safe to repeat and it is where Retry-After is honoured. */
bool policy_status_declined(long status);

/* True for the transport failures that say nothing about the request itself (could not
   resolve or connect, reset, timeout, TLS handshake, refused HTTP/2 stream). */
bool policy_transient_curl_code(int curl_code);
/* True when repeating the attempt cannot make the server act twice on a non-idempotent
   request: it never received it, or it said it did not act on it (429, 503). */
bool policy_safe_to_repeat(const struct attempt_result *result);

/* The wait before retry number retry_index (0 for the first retry), before the deadline is
   considered. previous_wait_ms feeds decorrelated jitter; random is uniform over 64 bits. */
long policy_backoff_ms(const struct tryagain_config *config, int retry_index, long previous_wait_ms,
                       uint64_t random);

/* attempt counts from 1; elapsed_ms is the time since the program's call began. */
struct retry_plan policy_plan(const struct tryagain_config *config,
                              const struct attempt_result *result, int attempt, long elapsed_ms,
                              long previous_wait_ms, uint64_t random);

/* The plan after attempt number attempt of something worth repeating failed, when no server
   named a wait: back off, unless the attempts or the deadline are used up. */
struct retry_plan policy_plan_backoff(const struct tryagain_config *config, int attempt,
                                      long elapsed_ms, long previous_wait_ms, uint64_t random);

/* The half of policy_plan that needs no clock and no randomness: PLAN_RETRY when this outcome
   may be retried after attempt number attempt (the wait and the deadline not yet considered),
   otherwise the reason policy_plan gives too. The gate asks it, at a response's first body
   byte, whether to hold the body. */
enum plan_reason policy_outcome_retryable(const struct tryagain_config *config,
                                          const struct attempt_result *result, int attempt);

/* True when a call that ended for this reason gave up on a transient failure (counted in the
   stats, logged as a give-up); failed says whether the final attempt failed. */
bool policy_gives_up(enum plan_reason reason, bool failed);

/* The sooner of two timeouts in milliseconds, where a negative one means none (as libcurl's
   -1 does): what a multi program is told when a retry waits beside libcurl's own timers. */
long policy_sooner_timeout(long a_ms, long b_ms);

/* Method names for idempotency: RFC 9110 9.2.2. */
bool policy_method_idempotent(const char *method);

const char *policy_reason_text(enum plan_reason reason);

#endif
