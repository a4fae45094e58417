/* Process-wide state: the policy read once, the log, the exit summary, fork safety. */
#ifndef TRYAGAIN_RUNTIME_H
#define TRYAGAIN_RUNTIME_H

#include <stdbool.h>

#include "policy/config.h"
#include "policy/log_format.h"

/* Read from the environment on first use; bad values are warned about on stderr then. */
const struct tryagain_config *runtime_config(void);

/* Whether TRYAGAIN_LOG asks for events of this kind (retries and give-ups at 1, all at 2):
   callers can skip preparing an event nobody will see. */
bool runtime_log_wanted(enum log_event_kind kind);
/* Writes the event when TRYAGAIN_LOG asks for it. */
void runtime_log(const struct log_event *event);

/* TRYAGAIN_STATS counters. */
enum stats_call { STATS_TRANSFER, STATS_CONNECT };
/* One finished call: recovered when it failed at first and then succeeded; gave_up when its
   last failure was transient but was not retried further. */
void runtime_count_call(enum stats_call call, int attempts, bool recovered, bool gave_up,
                        long long waited_ms);

/* Set while this thread is inside a retried libcurl transfer: connect() then stays out. */
extern __thread int runtime_in_transfer;

#endif
