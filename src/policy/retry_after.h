/* Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date. */
#ifndef TRYAGAIN_RETRY_AFTER_H
#define TRYAGAIN_RETRY_AFTER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The wait the server asks for, in milliseconds, given the wall clock now. A date in the past
   asks for no wait. Huge values saturate at RETRY_AFTER_SATURATED_MS. False for anything
   malformed (negative, garbage, an impossible date): the caller then backs off as usual. */
#define RETRY_AFTER_SATURATED_MS (365L * 86400L * 1000L)
bool retry_after_parse(const char *value, size_t length, time_t now, long *wait_ms);

#endif
