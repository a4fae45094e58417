/* Rate-limit headers, the signals a host gives before it throttles: IETF RateLimit and
   RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers, structured fields, and the older
   RateLimit-Limit/-Remaining/-Reset), GitHub's and OpenAI's x-ratelimit-*, Anthropic's
   anthropic-ratelimit-requests-*. Only request quotas are read; token quotas are not requests. */
#ifndef TRYAGAIN_RATELIMIT_H
#define TRYAGAIN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct ratelimit_info {
    long limit; /* requests per window, -1 unknown */
    long remaining; /* requests left in this window, -1 unknown */
    long reset_ms; /* until the window starts over, -1 unknown */
    long window_ms; /* the policy's window, -1 unknown */
};

/* text: header lines "Name: value" separated by '\n' (what the gate noted of one response).
   now_ms: the wall clock in ms since the epoch, for resets given as times. False when nothing
   in it is a rate-limit header. */
bool ratelimit_parse(const char *text, size_t length, long long now_ms, struct ratelimit_info *out);

/* The spacing these numbers advise, in microseconds, or 0 when they advise none: the
   remaining requests spread over the time to the reset once at most a tenth of the limit (or,
   without a limit, at most 2) is left; a window's quota spread over the window when nothing
   is left and the reset is unknown. */
long long ratelimit_interval_us(const struct ratelimit_info *info);

/* One header value, exposed for the fuzzer and tests: a duration as OpenAI writes it ("6m0s",
   "1.5s", "20ms") into ms; false when malformed. */
bool ratelimit_parse_duration(const char *text, size_t length, long *out_ms);
/* An RFC 3339 UTC time ("2024-05-01T12:00:30Z") into ms since the epoch. */
bool ratelimit_parse_time(const char *text, size_t length, long long *out_ms);

#endif
