/* Coordinated retries, the pure half: the arithmetic of pacing, learning a host's rate, the
   retry budget and the circuit breaker, as functions of time and events. The shared state
   that holds their values lives in src/coordinate/; nothing here reads a clock or a file.
   Times are microseconds of CLOCK_MONOTONIC unless a name says _ms. */
#ifndef TRYAGAIN_PACING_H
#define TRYAGAIN_PACING_H

#include <stdbool.h>
#include <stdint.h>

/* A learning window ends at a success, once it holds PACE_WINDOW_OK successes (the first,
   while the host's rate is unmeasured, PACE_FIRST_WINDOW_OK) and lasts at least
   PACE_WINDOW_MIN_INTERVALS intervals; or at any event once PACE_WINDOW_LIMITED of its paced
   attempts were throttled and none passed; or, whatever happened, after PACE_WINDOW_MIN_US
   and PACE_WINDOW_INTERVALS intervals. */
#define PACE_WINDOW_MIN_US 250000LL
#define PACE_WINDOW_INTERVALS 16
#define PACE_WINDOW_OK 12
#define PACE_FIRST_WINDOW_OK 5
#define PACE_WINDOW_MIN_INTERVALS 2
#define PACE_WINDOW_LIMITED 8
/* window_ok while a window waits for its first success, which starts it: a window that runs
   from one success to another holds a whole number of the host's intervals, so the count of
   its successes measures the rate without rounding. */
#define PACE_WINDOW_UNALIGNED (-1)
/* The first spacing tried when a host throttles and nothing better is known: fast enough that
   the first window sees the host's limit, slow enough not to flood it. */
#define PACE_FIRST_INTERVAL_US 10000LL
#define PACE_MIN_INTERVAL_US 100LL
#define PACE_MAX_INTERVAL_US 60000000LL
/* Pacing stays on this long after the host's last throttle, then stops (it fades). */
#define PACE_ACTIVE_US 60000000LL
/* A learned spacing is the first guess of the next throttle for this long. */
#define PACE_REMEMBER_US 600000000LL
/* No reservation lies further ahead than this; a later one is taken for damage. */
#define PACE_MAX_AHEAD_US 120000000LL
/* A process waiting for its slot looks again this often: a lesson may have moved it. */
#define PACE_RECHECK_US 100000LL
/* After a window that saw the limit, this many windows pass before probing faster. */
#define PACE_HOLD_WINDOWS 2
/* hold while the spacing is a guess (a first guess, a memory, a header's advice) that no
   window under pacing has measured yet. */
#define PACE_UNMEASURED (-1)

/* What a response says to coordination. */
enum pace_event {
    PACE_SUCCESS, /* the host answered (2xx-4xx other than 429): it is up */
    PACE_THROTTLE, /* 429, or 503 with Retry-After: too fast (but "Retry-After: 0" says
                      come back now, which is no sign of a rate) */
    PACE_FAILURE, /* 5xx, or a transient transport failure: the host is failing */
    PACE_NEUTRAL, /* the program's own doing (an aborted write...): says nothing */
};
/* retry_after_ms: the response's usable Retry-After, -1 when none. */
enum pace_event pace_classify(long http_status, bool transport_transient, long retry_after_ms,
                              bool transport_failed);

/* GCRA, one timestamp per host: the attempt goes at the first free slot at or after both now
   and earliest (a Retry-After floor), and the next free slot is one interval later. */
struct pace_slot {
    int64_t wait_us; /* from now until the slot */
    int64_t next_tat_us; /* the new "theoretical arrival time" */
};
struct pace_slot pace_reserve(int64_t tat_us, int64_t interval_us, int64_t now_us,
                              int64_t earliest_us);

/* Pacing is on for the host: it has a spacing and throttled not long ago. */
bool pace_active(int64_t interval_us, int64_t last_throttle_us, int64_t now_us);

/* A window of outcomes under pacing, and what it teaches. ok: its successes (of every
   attempt: the host's rate is what passes), PACE_WINDOW_UNALIGNED before the first; limited:
   the throttles of the attempts that took a pacing slot (those sent before the host was known
   to throttle say nothing of the spacing); at_success: the event at hand is a success. */
bool pace_window_over(int64_t window_start_us, int64_t interval_us, int64_t now_us, int64_t ok,
                      int64_t limited, int64_t hold, bool at_success);
struct pace_lesson {
    int64_t interval_us;
    int64_t hold; /* windows still to pass before probing faster; PACE_UNMEASURED */
    int64_t measured_us; /* > 0: the host's own spacing, as this window measured it */
};
/* The spacing to start with at a throttle when pacing is off: the one the headers advise
   (header_interval_us > 0), else the one remembered from an earlier throttle, else the first;
   and the hold to start with (PACE_UNMEASURED but for a memory). */
struct pace_lesson pace_start_interval(int64_t remembered_us, int64_t last_throttle_us,
                                       int64_t now_us, int64_t header_interval_us);
/* elapsed_us: the window's length; queued: the slots still ahead at its end. A window with
   throttles measured the host's rate: it passed ok in elapsed_us (a fiftieth more spacing
   keeps the next window under it; a measure near the last is averaged with it; when none
   passed, at least the window's length, but twice a first guess), unless a throttle or two
   among many passed (a thirty-second slower, no measure). One at our own capacity without
   any, with a queue still waiting, probes faster once the hold is over: by halves while
   nothing was ever measured (a first guess far too slow), else by a sixteenth, no faster
   than a thirty-second past trusted_us, the measure still trusted (pace_trusted), and holds
   a window. A quiet window (below our capacity) goes back to the trusted measure
   when that is slower. Otherwise nothing moves. */
struct pace_lesson pace_learn(int64_t interval_us, int64_t hold, int64_t elapsed_us, int64_t ok,
                              int64_t limited, int64_t queued, int64_t trusted_us);

/* A measure is trusted for a while: probes go no faster than a thirty-second past it, so that
   a host whose rate was just measured is not asked again and again (each ask a throttle, and
   with a Retry-After, a process a second late). The measure and its time share one word:
   the low 32 bits the spacing in us, the high 32 the time in ms (compared modulo 2^32). */
#define PACE_TRUST_US 30000000LL
uint64_t pace_measure_pack(int64_t measured_us, int64_t now_us);
/* A host heard from last at last_seen_us, quiet for this long (and for this many intervals)
   since, starts its next burst of work at the trusted measure: not at a probe's spacing, which
   no window after it could take back before the burst hit the host. */
#define PACE_QUIET_MIN_US 1000000LL
#define PACE_QUIET_INTERVALS 20
int64_t pace_resume_interval(int64_t interval_us, int64_t trusted_us, int64_t last_seen_us,
                             int64_t now_us);
/* The measured spacing still trusted now: 0 when none. */
int64_t pace_trusted(uint64_t measure, int64_t now_us);

/* A lesson moved the spacing by more than a sixteenth either way (beyond a measure's noise):
   the slots taken at the old one are to be taken again. */
bool pace_spacing_moved(int64_t before_us, int64_t after_us);

/* The host's queue, for tryagain status: attempts that hold a slot still ahead. */
int64_t pace_queued(int64_t tat_us, int64_t interval_us, int64_t now_us);

/* The retry budget: milli-tokens and the time they were counted, packed in one 64-bit word
   so that it is updated with one compare-and-swap. Each request adds a share, time adds a
   floor, a retry after a failure costs one token. The word 0 is a full budget. */
#define BUDGET_CAP 100000 /* a hundred retries in hand */
#define BUDGET_PER_REQUEST 200 /* retries: a fifth of the requests... */
#define BUDGET_FLOOR_PER_S 10000 /* ...and ten a second whatever the traffic (Finagle's floor) */
#define BUDGET_RETRY_COST 1000
int64_t budget_tokens(uint64_t word, int64_t now_ms);
uint64_t budget_deposit(uint64_t word, int64_t now_ms, int64_t milli_tokens);
/* False when the budget cannot pay cost; *next is the word after paying. */
bool budget_withdraw(uint64_t word, int64_t now_ms, int64_t cost, uint64_t *next);

/* The circuit breaker: after BREAKER_FAILURES failures in a row (across processes) over at
   least BREAKER_STREAK_MS (a burst of concurrent failures is one event, not repeated ones)
   the host's retries stop for BREAKER_OPEN_MS; then one retry goes as a probe, and a success
   anywhere closes it. open_until_ms 0: closed. */
#define BREAKER_FAILURES 5
#define BREAKER_STREAK_MS 1000
#define BREAKER_OPEN_MS 5000
enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };
enum breaker_state breaker_state(int64_t open_until_ms, int64_t now_ms);
/* After one more failure in a row (failures counts it, the streak began at streak_start_ms):
   the breaker opens now. */
bool breaker_trips(int64_t failures, int64_t streak_start_ms, int64_t open_until_ms,
                   int64_t now_ms);
/* Where a call's attempt goes when it asks its host's breaker. kept_away: the breaker keeps
   attempts from the host now (open, or half-open with its probe taken by another process);
   retry: the attempt is a retry after a failure, not the program's own first one; fallback:
   the call is on its primary and the primary has a fallback host. An attempt kept away goes
   to the fallback when there is one; without one the program's own attempt still goes to the
   host (the program sees the real response) and a retry is withheld. */
enum breaker_route { BREAKER_TO_HOST, BREAKER_TO_FALLBACK, BREAKER_WITHHELD };
enum breaker_route breaker_route(bool kept_away, bool retry, bool fallback);

#endif
