#include "status.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "coordinate/shared_file.h"
#include "policy/pacing.h"

static int64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static const char *breaker_text(int64_t open_until_ms, int64_t now_ms)
{
    switch(breaker_state(open_until_ms, now_ms)) {
    case BREAKER_CLOSED:
        return "closed";
    case BREAKER_OPEN:
        return "open";
    case BREAKER_HALF_OPEN:
        return "half-open (the next retry is a probe)";
    }
    return "?";
}

static void print_host(FILE *out, struct coord_host *host, int64_t now)
{
    int64_t interval = atomic_load(&host->interval_us);
    int64_t last_throttle = atomic_load(&host->last_throttle_us);
    int64_t tat = atomic_load(&host->tat_us);
    int64_t open_until = atomic_load(&host->open_until_ms);
    fprintf(out, "%.*s\n", ORIGIN_MAX - 1, host->origin);
    if(pace_active(interval, last_throttle, now)) {
        fprintf(out,
                "  pacing: on, %lld.%03lld ms apart (%.1f requests/s), %lld waiting for a slot; "
                "last throttle %.1f s ago\n",
                (long long)interval / 1000, (long long)interval % 1000, 1e6 / (double)interval,
                (long long)pace_queued(tat, interval, now), (double)(now - last_throttle) / 1e6);
    }
    else if(interval > 0) {
        fprintf(out, "  pacing: off (faded); learned %lld.%03lld ms apart, remembered as a start\n",
                (long long)interval / 1000, (long long)interval % 1000);
    }
    else {
        fprintf(out, "  pacing: off (never throttled)\n");
    }
    int64_t header = atomic_load(&host->header_interval_us);
    if(header > 0)
        fprintf(out, "  rate-limit headers advise %lld.%03lld ms apart\n", (long long)header / 1000,
                (long long)header % 1000);
    int64_t tokens = budget_tokens(atomic_load(&host->budget), now / 1000);
    fprintf(out, "  retry budget: %lld.%lld retries; breaker: %s, %lld failures in a row\n",
            (long long)tokens / 1000, (long long)(tokens % 1000) / 100,
            breaker_text(open_until, now / 1000), (long long)atomic_load(&host->failures_in_row));
    fprintf(out,
            "  counts: %lld attempts, %lld answered, %lld throttled, %lld failed, %lld paced "
            "(%.1f s), %lld retries withheld\n",
            (long long)atomic_load(&host->attempts), (long long)atomic_load(&host->successes),
            (long long)atomic_load(&host->throttles), (long long)atomic_load(&host->failures),
            (long long)atomic_load(&host->paced), (double)atomic_load(&host->paced_us) / 1e6,
            (long long)atomic_load(&host->withheld));
}

int status_run(FILE *out)
{
    char path[512];
    if(!coord_state_path(getenv("XDG_RUNTIME_DIR"), geteuid(), path, sizeof(path))) {
        fprintf(out, "tryagain status: no place for the state file (no $XDG_RUNTIME_DIR, no "
                     "/dev/shm)\n");
        return 1;
    }
    struct coord_file *file = NULL;
    enum coord_open_result result = coord_file_open(path, false, false, &file);
    if(result == COORD_ABSENT) {
        fprintf(out, "tryagain status: %s: %s\n", path, coord_open_result_text(result));
        return 0;
    }
    if(result != COORD_OPENED) {
        fprintf(out, "tryagain status: %s is %s; the library ignores it\n", path,
                coord_open_result_text(result));
        return 1;
    }
    int64_t now = monotonic_us();
    int used = 0;
    for(int i = 0; i < COORD_HOSTS; i++) {
        uint64_t key = atomic_load_explicit(&file->hosts[i].key, memory_order_acquire);
        used += key > COORD_KEY_CLAIMED;
    }
    fprintf(out, "tryagain status: %s, %d of %d hosts\n", path, used, COORD_HOSTS);
    for(int i = 0; i < COORD_HOSTS; i++) {
        struct coord_host *host = &file->hosts[i];
        if(atomic_load_explicit(&host->key, memory_order_acquire) > COORD_KEY_CLAIMED)
            print_host(out, host, now);
    }
    coord_file_close(file);
    return 0;
}
