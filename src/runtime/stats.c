#include "runtime/stats.h"

#include <stdatomic.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/settings.h"

static atomic_long stat_transfers, stat_connects, stat_attempts, stat_retries, stat_recovered,
    stat_given_up;
static atomic_llong stat_waited_ms, stat_paced_ms;
static atomic_long stat_paced;
static atomic_bool stats_wanted; /* TRYAGAIN_STATS, once the policy was read */

void runtime_count_call(enum stats_call call, int attempts, bool recovered, bool gave_up,
                        long long waited_ms)
{
    if(!runtime_config()->stats)
        return; /* no shared counters to bounce between cores when nobody reads them */
    atomic_store_explicit(&stats_wanted, true, memory_order_relaxed);
    atomic_fetch_add(call == STATS_TRANSFER ? &stat_transfers : &stat_connects, 1);
    atomic_fetch_add(&stat_attempts, attempts);
    atomic_fetch_add(&stat_retries, attempts - 1);
    if(recovered)
        atomic_fetch_add(&stat_recovered, 1);
    if(gave_up)
        atomic_fetch_add(&stat_given_up, 1);
    atomic_fetch_add(&stat_waited_ms, waited_ms);
}

void runtime_count_paced(long paced, long long paced_ms)
{
    if(!paced || !runtime_config()->stats)
        return;
    atomic_fetch_add(&stat_paced, paced);
    atomic_fetch_add(&stat_paced_ms, paced_ms);
}

/* Only a process that counted something has anything to report; one that never read the
   policy is not made to read it now. */
__attribute__((destructor)) static void print_stats_at_exit(void)
{
    if(!atomic_load(&stats_wanted))
        return;
    struct log_stats stats = {
        atomic_load(&stat_transfers), atomic_load(&stat_connects),  atomic_load(&stat_attempts),
        atomic_load(&stat_retries),   atomic_load(&stat_recovered), atomic_load(&stat_given_up),
        atomic_load(&stat_waited_ms), atomic_load(&stat_paced),     atomic_load(&stat_paced_ms),
    };
    char line[512];
    size_t length = log_format_stats(&stats, runtime_config()->log_format, log_wall_ms(),
                                     (long)getpid(), line, sizeof(line));
    log_write_line(line, length);
}
