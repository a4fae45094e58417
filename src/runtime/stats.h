/* TRYAGAIN_STATS: counters of the process, one summary line at exit. */
#ifndef TRYAGAIN_RUNTIME_STATS_H
#define TRYAGAIN_RUNTIME_STATS_H

#include <stdbool.h>

enum stats_call { STATS_TRANSFER, STATS_CONNECT };

/* One finished call: recovered when it failed at first and then succeeded; gave_up when its
   last failure was transient but was not retried further. */
void runtime_count_call(enum stats_call call, int attempts, bool recovered, bool gave_up,
                        long long waited_ms);
/* Of one call's waits, those for its host's shared pacing slot (coordination). */
void runtime_count_paced(long paced, long long paced_ms);

#endif
