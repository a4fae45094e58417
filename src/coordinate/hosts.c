/* One record per host in the shared file, found by its origin's hash with linear probing.
   Every update is a single atomic operation or a compare-and-swap loop on one word, so a
   process that stops at any instruction leaves every other process a usable record. The
   decisions themselves are policy/pacing.c's pure functions. */
#include <stdatomic.h>
#include <string.h>

#include "coordinate/coordinate.h"
#include "coordinate/layout.h"

struct coord_file *coord_mapped(void);

static int64_t now_ms(int64_t now_us)
{
    return now_us / 1000;
}

static bool origin_matches(struct coord_host *host, uint64_t key, const char *origin)
{
    return atomic_load_explicit(&host->key, memory_order_acquire) == key &&
           !strncmp(host->origin, origin, ORIGIN_MAX);
}

static void clear_record(struct coord_host *host)
{
    atomic_store(&host->tat_us, 0);
    atomic_store(&host->interval_us, 0);
    atomic_store(&host->last_throttle_us, 0);
    atomic_store(&host->window_start_us, 0);
    atomic_store(&host->window_ok, 0);
    atomic_store(&host->window_limited, 0);
    atomic_store(&host->hold, 0);
    atomic_store(&host->budget, 0);
    atomic_store(&host->failures_in_row, 0);
    atomic_store(&host->open_until_ms, 0);
    atomic_store(&host->attempts, 0);
    atomic_store(&host->successes, 0);
    atomic_store(&host->throttles, 0);
    atomic_store(&host->failures, 0);
    atomic_store(&host->paced, 0);
    atomic_store(&host->paced_us, 0);
    atomic_store(&host->withheld, 0);
    atomic_store(&host->header_interval_us, 0);
    atomic_store(&host->lessons, 0);
    atomic_store(&host->streak_start_ms, 0);
    atomic_store(&host->measured, 0);
}

/* Takes the record from expected_key (free, or a host not seen for long) for origin. */
static bool claim(struct coord_host *host, uint64_t expected_key, uint64_t key, const char *origin)
{
    uint64_t expected = expected_key;
    if(!atomic_compare_exchange_strong(&host->key, &expected, COORD_KEY_CLAIMED))
        return false;
    clear_record(host);
    atomic_store(&host->last_seen_us, coord_now_us());
    strncpy(host->origin, origin, ORIGIN_MAX - 1);
    host->origin[ORIGIN_MAX - 1] = '\0';
    atomic_store_explicit(&host->key, key, memory_order_release);
    return true;
}

struct coord_host *coord_find(const char *origin, bool create)
{
    return coord_find_keyed(origin, origin_hash(origin), create);
}

struct coord_host *coord_find_keyed(const char *origin, uint64_t key, bool create)
{
    struct coord_file *file = coord_mapped();
    if(!file)
        return NULL;
    size_t start = (size_t)(key % COORD_HOSTS);
    for(int pass = 0; pass < (create ? 3 : 1); pass++) {
        for(size_t i = 0; i < COORD_HOSTS; i++) {
            struct coord_host *host = &file->hosts[(start + i) % COORD_HOSTS];
            uint64_t seen = atomic_load_explicit(&host->key, memory_order_acquire);
            if(seen == key && origin_matches(host, key, origin))
                return host;
            if(seen == COORD_KEY_FREE) {
                if(!create)
                    return NULL;
                if(claim(host, COORD_KEY_FREE, key, origin))
                    return host;
                i--; /* someone else took it: look at it again */
                continue;
            }
        }
        if(!create)
            return NULL;
        /* Full: the record not seen for the longest beyond the memory of a throttle goes. */
        int64_t now = coord_now_us();
        for(size_t i = 0; i < COORD_HOSTS; i++) {
            struct coord_host *host = &file->hosts[(start + i) % COORD_HOSTS];
            uint64_t seen = atomic_load(&host->key);
            if(seen > COORD_KEY_CLAIMED &&
               now - atomic_load(&host->last_seen_us) > PACE_REMEMBER_US &&
               claim(host, seen, key, origin))
                return host;
        }
    }
    return NULL;
}

void coord_note_request(struct coord_host *host)
{
    int64_t now = now_ms(coord_now_us());
    uint64_t word = atomic_load(&host->budget);
    while(!atomic_compare_exchange_weak(&host->budget, &word,
                                        budget_deposit(word, now, BUDGET_PER_REQUEST)))
        ;
}

/* The window is over: one process (the one whose compare-and-swap wins) learns from it. A
   window that ends at a success starts the next at once; one that ends otherwise waits for
   the next success to start it (PACE_WINDOW_UNALIGNED). */
static void maybe_learn(struct coord_host *host, int64_t now, bool at_success)
{
    int64_t start = atomic_load(&host->window_start_us);
    int64_t interval = atomic_load(&host->interval_us);
    int64_t hold = atomic_load(&host->hold);
    if(!pace_window_over(start, interval, now, atomic_load(&host->window_ok),
                         atomic_load(&host->window_limited), hold, at_success))
        return;
    if(!atomic_compare_exchange_strong(&host->window_start_us, &start, now))
        return;
    int64_t ok = atomic_exchange(&host->window_ok, at_success ? 0 : PACE_WINDOW_UNALIGNED);
    int64_t limited = atomic_exchange(&host->window_limited, 0);
    int64_t queued = pace_queued(atomic_load(&host->tat_us), interval, now);
    int64_t elapsed = start >= 0 && start <= now ? now - start : 0; /* 0: damage, no lesson */
    struct pace_lesson lesson = pace_learn(interval, hold, elapsed, ok, limited, queued,
                                           pace_trusted(atomic_load(&host->measured), now));
    if(lesson.measured_us > 0)
        atomic_store(&host->measured, pace_measure_pack(lesson.measured_us, now));
    int64_t advised = atomic_load(&host->header_interval_us);
    if(advised > lesson.interval_us)
        lesson.interval_us = advised; /* the host's own numbers are a floor on the spacing */
    atomic_store(&host->interval_us, lesson.interval_us);
    atomic_store(&host->hold, lesson.hold);
    if(pace_spacing_moved(interval, lesson.interval_us)) {
        /* A change beyond the noise of a measure: the slots taken at the old spacing are
           taken again as their holders look again (PACE_RECHECK_US), so that a queue laid out
           too fast spreads out and one laid out too slow closes up. */
        atomic_store(&host->tat_us, now);
        atomic_fetch_add(&host->lessons, 1);
    }
}

static void start_pacing(struct coord_host *host, int64_t now, int64_t header_interval_us)
{
    struct pace_lesson start =
        pace_start_interval(atomic_load(&host->interval_us), atomic_load(&host->last_throttle_us),
                            now, header_interval_us);
    atomic_store(&host->interval_us, start.interval_us);
    atomic_store(&host->window_ok, PACE_WINDOW_UNALIGNED);
    atomic_store(&host->window_limited, 0);
    atomic_store(&host->hold, start.hold);
    atomic_store(&host->window_start_us, now);
}

/* A success under pacing: counted in the window, or, the window's first, starts it. */
static bool count_success(struct coord_host *host, int64_t now)
{
    if(atomic_fetch_add(&host->window_ok, 1) >= 0)
        return true;
    atomic_store(&host->window_start_us, now);
    return false;
}

void coord_note(struct coord_host *host, enum pace_event event, bool slotted,
                int64_t header_interval_us)
{
    int64_t now = coord_now_us();
    atomic_store_explicit(&host->last_seen_us, now, memory_order_relaxed);
    atomic_fetch_add_explicit(&host->attempts, 1, memory_order_relaxed);
    bool active =
        pace_active(atomic_load(&host->interval_us), atomic_load(&host->last_throttle_us), now);
    if(header_interval_us != 0)
        atomic_store(&host->header_interval_us, header_interval_us > 0 ? header_interval_us : 0);
    switch(event) {
    case PACE_THROTTLE:
        atomic_fetch_add(&host->throttles, 1);
        atomic_store(&host->failures_in_row, 0);
        if(!active)
            start_pacing(host, now, header_interval_us > 0 ? header_interval_us : 0);
        atomic_store(&host->last_throttle_us, now);
        if(slotted)
            atomic_fetch_add(&host->window_limited, 1);
        break;
    case PACE_SUCCESS:
        atomic_fetch_add(&host->successes, 1);
        atomic_store(&host->failures_in_row, 0);
        if(atomic_load(&host->open_until_ms))
            atomic_store(&host->open_until_ms, 0); /* a success anywhere closes the breaker */
        if(header_interval_us > 0) {
            /* Nearly exhausted: slow down before the 429. */
            if(!active)
                start_pacing(host, now, header_interval_us);
            else if(atomic_load(&host->interval_us) < header_interval_us)
                atomic_store(&host->interval_us, header_interval_us);
            atomic_store(&host->last_throttle_us, now);
            active = true;
        }
        if(active && !count_success(host, now))
            return; /* it started a window: nothing to learn yet */
        break;
    case PACE_FAILURE: {
        atomic_fetch_add(&host->failures, 1);
        int64_t in_row = atomic_fetch_add(&host->failures_in_row, 1) + 1;
        if(in_row == 1)
            atomic_store(&host->streak_start_ms, now_ms(now));
        int64_t open_until = atomic_load(&host->open_until_ms);
        if(breaker_trips(in_row, atomic_load(&host->streak_start_ms), open_until, now_ms(now)))
            atomic_compare_exchange_strong(&host->open_until_ms, &open_until,
                                           now_ms(now) + BREAKER_OPEN_MS);
        break;
    }
    case PACE_NEUTRAL:
        break;
    }
    if(active || event == PACE_THROTTLE)
        maybe_learn(host, now, event == PACE_SUCCESS);
}

bool coord_pacing(struct coord_host *host)
{
    return pace_active(atomic_load(&host->interval_us), atomic_load(&host->last_throttle_us),
                       coord_now_us());
}

int64_t coord_slot_ahead(struct coord_host *host)
{
    int64_t now = coord_now_us();
    int64_t interval = atomic_load(&host->interval_us);
    if(!pace_active(interval, atomic_load(&host->last_throttle_us), now))
        return -1;
    return pace_reserve(atomic_load(&host->tat_us), interval, now, 0).wait_us;
}

int64_t coord_lessons(struct coord_host *host)
{
    return atomic_load(&host->lessons);
}

int64_t coord_reserve(struct coord_host *host, int64_t earliest_us)
{
    int64_t now = coord_now_us();
    int64_t interval = atomic_load(&host->interval_us);
    if(!pace_active(interval, atomic_load(&host->last_throttle_us), now))
        return -1;
    int64_t resumed =
        pace_resume_interval(interval, pace_trusted(atomic_load(&host->measured), now),
                             atomic_load(&host->last_seen_us), now);
    if(resumed != interval &&
       atomic_compare_exchange_strong(&host->interval_us, &interval, resumed))
        interval = resumed; /* else another process changed it: that value stands */
    int64_t tat = atomic_load(&host->tat_us);
    struct pace_slot slot;
    do {
        slot = pace_reserve(tat, interval, now, earliest_us);
    } while(!atomic_compare_exchange_weak(&host->tat_us, &tat, slot.next_tat_us));
    if(slot.wait_us > 0) {
        atomic_fetch_add_explicit(&host->paced, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&host->paced_us, slot.wait_us, memory_order_relaxed);
    }
    return slot.wait_us;
}

/* What the breaker lets through now: anything when closed; when half-open, the one probe to
   the process that moves the end of the open time; nothing else. */
enum breaker_pass { PASS_NONE, PASS_CLOSED, PASS_PROBE };

static enum breaker_pass breaker_pass(struct coord_host *host, int64_t now)
{
    int64_t open_until = atomic_load(&host->open_until_ms);
    switch(breaker_state(open_until, now)) {
    case BREAKER_OPEN:
        return PASS_NONE;
    case BREAKER_HALF_OPEN:
        return atomic_compare_exchange_strong(&host->open_until_ms, &open_until,
                                              now + BREAKER_OPEN_MS)
                   ? PASS_PROBE
                   : PASS_NONE;
    case BREAKER_CLOSED:
        break;
    }
    return PASS_CLOSED;
}

void coord_count_withheld(struct coord_host *host)
{
    atomic_fetch_add(&host->withheld, 1);
}

bool coord_kept_away(struct coord_host *host)
{
    return breaker_pass(host, now_ms(coord_now_us())) == PASS_NONE;
}

enum coord_verdict coord_may_retry(struct coord_host *host)
{
    int64_t now = now_ms(coord_now_us());
    switch(breaker_pass(host, now)) {
    case PASS_NONE:
        return COORD_CIRCUIT_OPEN;
    case PASS_PROBE:
        return COORD_RETRY;
    case PASS_CLOSED:
        break;
    }
    uint64_t word = atomic_load(&host->budget);
    uint64_t next;
    do {
        if(!budget_withdraw(word, now, BUDGET_RETRY_COST, &next)) {
            atomic_fetch_add(&host->withheld, 1);
            return COORD_BUDGET_SPENT;
        }
    } while(!atomic_compare_exchange_weak(&host->budget, &word, next));
    return COORD_RETRY;
}
