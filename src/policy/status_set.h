/* Which HTTP statuses are retried (TRYAGAIN_RETRY_STATUS). */
#ifndef TRYAGAIN_STATUS_SET_H
#define TRYAGAIN_STATUS_SET_H

#include <stdbool.h>
#include <stdint.h>

/* HTTP statuses 400..599 as a bit set: the only ones a retry can make sense for. */
#define STATUS_SET_FIRST 400
#define STATUS_SET_LAST 599
struct status_set {
    uint64_t bits[(STATUS_SET_LAST - STATUS_SET_FIRST + 64) / 64];
};

bool status_set_contains(const struct status_set *set, long status);
/* "408,429,5xx": numbers and NXX classes, 400..599 only. False on any malformed item. */
bool status_set_parse(const char *text, struct status_set *out);

#endif
