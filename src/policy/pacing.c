#include "policy/pacing.h"

enum pace_event pace_classify(long http_status, bool transport_transient, long retry_after_ms,
                              bool transport_failed)
{
    if(http_status == 429 || (http_status == 503 && retry_after_ms >= 0))
        return retry_after_ms == 0 ? PACE_NEUTRAL : PACE_THROTTLE;
    if(http_status >= 500 && http_status <= 599)
        return PACE_FAILURE;
    if(http_status > 0)
        return PACE_SUCCESS;
    if(transport_failed)
        return transport_transient ? PACE_FAILURE : PACE_NEUTRAL;
    return PACE_NEUTRAL;
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a > b ? a : b;
    return m > c ? m : c;
}

static int64_t clamp_interval(int64_t interval_us)
{
    if(interval_us < PACE_MIN_INTERVAL_US)
        return PACE_MIN_INTERVAL_US;
    if(interval_us > PACE_MAX_INTERVAL_US)
        return PACE_MAX_INTERVAL_US;
    return interval_us;
}

struct pace_slot pace_reserve(int64_t tat_us, int64_t interval_us, int64_t now_us,
                              int64_t earliest_us)
{
    /* A damaged or foreign word must not hold anyone back for long. */
    if(tat_us > now_us + PACE_MAX_AHEAD_US || tat_us < 0)
        tat_us = now_us;
    if(earliest_us > now_us + PACE_MAX_AHEAD_US)
        earliest_us = now_us + PACE_MAX_AHEAD_US;
    int64_t slot = max3(tat_us, now_us, earliest_us);
    struct pace_slot result = {slot - now_us, slot + clamp_interval(interval_us)};
    return result;
}

bool pace_active(int64_t interval_us, int64_t last_throttle_us, int64_t now_us)
{
    return interval_us > 0 && last_throttle_us > 0 && now_us - last_throttle_us < PACE_ACTIVE_US &&
           now_us >= last_throttle_us - PACE_MAX_AHEAD_US;
}

struct pace_lesson pace_start_interval(int64_t remembered_us, int64_t last_throttle_us,
                                       int64_t now_us, int64_t header_interval_us)
{
    struct pace_lesson start = {PACE_FIRST_INTERVAL_US, PACE_UNMEASURED, 0};
    if(header_interval_us > 0)
        start.interval_us = clamp_interval(header_interval_us);
    else if(remembered_us > 0 && last_throttle_us > 0 &&
            now_us - last_throttle_us < PACE_REMEMBER_US) {
        start.interval_us = clamp_interval(remembered_us);
        start.hold = 0; /* measured once: probed gently, not by halves */
    }
    return start;
}

bool pace_window_over(int64_t window_start_us, int64_t interval_us, int64_t now_us, int64_t ok,
                      int64_t limited, int64_t hold, bool at_success)
{
    int64_t interval = clamp_interval(interval_us);
    if(window_start_us < 0 || window_start_us > now_us)
        return true; /* damage, or a clock from another boot */
    int64_t elapsed = now_us - window_start_us;
    int64_t longest = interval * PACE_WINDOW_INTERVALS;
    if(longest < PACE_WINDOW_MIN_US)
        longest = PACE_WINDOW_MIN_US;
    if(elapsed >= longest)
        return true;
    if(limited >= PACE_WINDOW_LIMITED && ok <= 0)
        return true; /* nothing passes: far too fast, no need to wait for a count */
    int64_t enough = hold == PACE_UNMEASURED ? PACE_FIRST_WINDOW_OK : PACE_WINDOW_OK;
    return at_success && ok >= enough && elapsed >= interval * PACE_WINDOW_MIN_INTERVALS;
}

struct pace_lesson pace_learn(int64_t interval_us, int64_t hold, int64_t elapsed_us, int64_t ok,
                              int64_t limited, int64_t queued, int64_t trusted_us)
{
    if(ok > (int64_t)1 << 40 || limited > (int64_t)1 << 40 || ok < PACE_WINDOW_UNALIGNED)
        ok = limited = 0; /* damage */
    if(hold > PACE_HOLD_WINDOWS || hold < PACE_UNMEASURED)
        hold = PACE_HOLD_WINDOWS; /* damage */
    if(ok < 0)
        ok = 0; /* no success started the window: none passed in it */
    int64_t interval = clamp_interval(interval_us);
    struct pace_lesson lesson = {interval, hold > 0 ? hold - 1 : hold, 0};
    if(elapsed_us <= 0 || limited < 0 || elapsed_us > PACE_MAX_AHEAD_US)
        return lesson;
    if(limited > 0 && limited * 8 <= ok) {
        /* A throttle or two among many that passed: our pace is about the host's, and a
           limit without a burst (or a clock's jitter) turns away an attempt now and then.
           A thirty-second more, not a measure. */
        lesson.interval_us = clamp_interval(interval + interval / 32);
        lesson.hold = PACE_HOLD_WINDOWS;
        return lesson;
    }
    if(limited > 0 && trusted_us > 0 && interval < trusted_us + trusted_us / 50) {
        /* A probe below a spacing measured not long ago was throttled: back to the measure.
           Not a measure itself: a limiter without a burst passes every other attempt of a pace
           a little too fast, which would read as twice the host's spacing. Should the host
           have slowed down, the next window, at the measure, measures it. */
        lesson.interval_us = clamp_interval(trusted_us + trusted_us / 50);
        lesson.hold = PACE_HOLD_WINDOWS;
        return lesson;
    }
    if(limited > 0) {
        /* Paced attempts were throttled: the host passed all it would, ok in elapsed_us; but
           no slower than the share of our own pace that passed, for a window our attempts
           did not fill (one that spans a quiet spell) says nothing of the time they did not
           fill. When none passed, the host's spacing is longer than the window, and than
           twice ours; but a first guess only doubles. At most eight times slower per window:
           a window cut short must not throw the spacing far off. */
        int64_t measured;
        if(ok > 0) {
            measured = elapsed_us / ok;
            __int128 share = (__int128)interval * (ok + limited) / ok; /* no overflow */
            if(share < measured)
                measured = (int64_t)share;
        }
        else if(hold == PACE_UNMEASURED) {
            /* Twice the guess, not the window's length: a herd's first window holds the
               attempts sent before the file existed as well, which take what the host passes
               and whose successes nobody counts; on a loaded machine nothing of ours passes
               for a while, and the length of that while is how slowly those processes run,
               not the host's spacing. */
            measured = interval * 2;
        }
        else {
            measured = elapsed_us > interval * 2 ? elapsed_us : interval * 2;
        }
        if(measured > interval * 8)
            measured = interval * 8;
        lesson.measured_us = clamp_interval(measured);
        measured = clamp_interval(measured + measured / 50);
        /* One window's count is noisy: a measure near the last is averaged with it; one far
           from it (a memory of another rate, a first guess) replaces it. */
        if(hold != PACE_UNMEASURED && measured * 4 >= interval * 3 && measured * 3 <= interval * 4)
            measured = (measured + interval) / 2;
        lesson.interval_us = clamp_interval(measured);
        lesson.hold = PACE_HOLD_WINDOWS;
        return lesson;
    }
    /* No throttle: at our own capacity, with a queue still waiting, the host may allow more;
       below it, or with nobody waiting, there is nothing to win by asking. */
    int64_t capacity = elapsed_us / interval;
    if(trusted_us > 0 && ok * 10 < capacity * 8) {
        /* A quiet spell: back to the measure, so that what a probe won is not spent at the
           start of the next burst of work, before any window can take it back. */
        int64_t measured = clamp_interval(trusted_us + trusted_us / 50);
        if(measured > interval)
            lesson.interval_us = measured;
        return lesson;
    }
    if(hold > 0 || ok * 10 < capacity * 8 || capacity <= 0 || queued < PACE_WINDOW_OK)
        return lesson;
    if(hold == PACE_UNMEASURED) {
        lesson.interval_us = clamp_interval(interval / 2); /* a guess: far off either way */
        return lesson;
    }
    /* Measured: a little faster, then a hold again, so that a host that keeps its rate sees
       a throttle now and then rather than a climb. */
    int64_t faster = interval - interval / 16;
    if(faster < trusted_us - trusted_us / 32)
        faster = trusted_us - trusted_us / 32; /* no faster than a thirty-second past it */
    lesson.interval_us = clamp_interval(faster < interval ? faster : interval);
    lesson.hold = 1;
    return lesson;
}

int64_t pace_resume_interval(int64_t interval_us, int64_t trusted_us, int64_t last_seen_us,
                             int64_t now_us)
{
    int64_t interval = clamp_interval(interval_us);
    if(trusted_us <= 0)
        return interval;
    int64_t quiet = interval * PACE_QUIET_INTERVALS;
    if(quiet < PACE_QUIET_MIN_US)
        quiet = PACE_QUIET_MIN_US;
    if(last_seen_us < 0 || last_seen_us > now_us || now_us - last_seen_us < quiet)
        return interval; /* busy, or damage, or a clock from another boot: left to the window */
    int64_t measured = clamp_interval(trusted_us + trusted_us / 50);
    return measured > interval ? measured : interval;
}

#define MEASURE_MASK 0xffffffffULL

uint64_t pace_measure_pack(int64_t measured_us, int64_t now_us)
{
    uint64_t spacing = (uint64_t)clamp_interval(measured_us);
    return (((uint64_t)(now_us / 1000) & MEASURE_MASK) << 32) | spacing;
}

int64_t pace_trusted(uint64_t measure, int64_t now_us)
{
    int64_t spacing = (int64_t)(measure & MEASURE_MASK);
    if(measure == 0 || spacing < PACE_MIN_INTERVAL_US || spacing > PACE_MAX_INTERVAL_US)
        return 0; /* none, or damage */
    uint64_t age_ms = ((uint64_t)(now_us / 1000) - (measure >> 32)) & MEASURE_MASK;
    if(age_ms > (uint64_t)(PACE_TRUST_US / 1000))
        return 0; /* too old, or from a clock that went back */
    return spacing;
}

int64_t pace_queued(int64_t tat_us, int64_t interval_us, int64_t now_us)
{
    if(interval_us <= 0 || tat_us <= now_us || now_us < 0 || tat_us > now_us + PACE_MAX_AHEAD_US)
        return 0; /* none, or damage */
    int64_t interval = clamp_interval(interval_us);
    return (tat_us - now_us + interval - 1) / interval;
}

bool pace_spacing_moved(int64_t before_us, int64_t after_us)
{
    int64_t before = clamp_interval(before_us), after = clamp_interval(after_us);
    return after > before + before / 16 || after < before - before / 16;
}

/* Packing: the high 40 bits hold the time in ms (34 years of uptime), the low 24 the tokens. */
#define TOKEN_BITS 24
#define TOKEN_MASK ((1ULL << TOKEN_BITS) - 1)
#define TIME_MASK ((1ULL << 40) - 1)

static uint64_t pack(int64_t now_ms, int64_t tokens)
{
    return (((uint64_t)now_ms & TIME_MASK) << TOKEN_BITS) | ((uint64_t)tokens & TOKEN_MASK);
}

int64_t budget_tokens(uint64_t word, int64_t now_ms)
{
    if(word == 0)
        return BUDGET_CAP;
    int64_t tokens = (int64_t)(word & TOKEN_MASK);
    int64_t then_ms = (int64_t)(word >> TOKEN_BITS);
    int64_t elapsed = ((int64_t)now_ms & (int64_t)TIME_MASK) - then_ms;
    if(elapsed < 0)
        elapsed = 0; /* a clock that went back: no refill */
    if(tokens > BUDGET_CAP)
        tokens = BUDGET_CAP; /* damage */
    if(elapsed > 3600000)
        return BUDGET_CAP;
    tokens += elapsed * BUDGET_FLOOR_PER_S / 1000;
    return tokens > BUDGET_CAP ? BUDGET_CAP : tokens;
}

uint64_t budget_deposit(uint64_t word, int64_t now_ms, int64_t milli_tokens)
{
    int64_t tokens = budget_tokens(word, now_ms) + (milli_tokens > 0 ? milli_tokens : 0);
    return pack(now_ms, tokens > BUDGET_CAP ? BUDGET_CAP : tokens);
}

bool budget_withdraw(uint64_t word, int64_t now_ms, int64_t cost, uint64_t *next)
{
    int64_t tokens = budget_tokens(word, now_ms);
    if(tokens < cost)
        return false;
    *next = pack(now_ms, tokens - cost);
    return true;
}

enum breaker_state breaker_state(int64_t open_until_ms, int64_t now_ms)
{
    if(open_until_ms <= 0)
        return BREAKER_CLOSED;
    if(open_until_ms > now_ms + 10 * BREAKER_OPEN_MS)
        return BREAKER_HALF_OPEN; /* damage: let a probe find out */
    return open_until_ms > now_ms ? BREAKER_OPEN : BREAKER_HALF_OPEN;
}

bool breaker_trips(int64_t failures, int64_t streak_start_ms, int64_t open_until_ms, int64_t now_ms)
{
    return failures >= BREAKER_FAILURES && open_until_ms <= 0 &&
           now_ms - streak_start_ms >= BREAKER_STREAK_MS;
}

enum breaker_route breaker_route(bool kept_away, bool retry, bool fallback)
{
    if(!kept_away)
        return BREAKER_TO_HOST;
    if(fallback)
        return BREAKER_TO_FALLBACK;
    return retry ? BREAKER_WITHHELD : BREAKER_TO_HOST;
}
