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

int64_t pace_start_interval(int64_t remembered_us, int64_t last_throttle_us, int64_t now_us,
                            int64_t header_interval_us)
{
    if(header_interval_us > 0)
        return clamp_interval(header_interval_us);
    if(remembered_us > 0 && last_throttle_us > 0 && now_us - last_throttle_us < PACE_REMEMBER_US)
        return clamp_interval(remembered_us);
    return PACE_FIRST_INTERVAL_US;
}

bool pace_window_over(int64_t window_start_us, int64_t interval_us, int64_t now_us)
{
    int64_t length = clamp_interval(interval_us) * PACE_WINDOW_INTERVALS;
    if(length < PACE_WINDOW_MIN_US)
        length = PACE_WINDOW_MIN_US;
    return now_us - window_start_us >= length || now_us < window_start_us;
}

struct pace_lesson pace_learn(int64_t interval_us, int64_t hold, int64_t elapsed_us, int64_t ok,
                              int64_t limited)
{
    if(ok > (int64_t)1 << 40 || limited > (int64_t)1 << 40)
        ok = limited = 0; /* damage */
    if(hold > PACE_HOLD_WINDOWS)
        hold = PACE_HOLD_WINDOWS; /* damage */
    struct pace_lesson lesson = {clamp_interval(interval_us), hold > 0 ? hold - 1 : 0};
    if(elapsed_us <= 0 || ok < 0 || limited < 0)
        return lesson;
    if(limited > 0) {
        /* Attempts sent one interval apart, of which a share passed: the host allows that
           share of our rate. At most twice as slow per window (throttles from a burst of
           stale attempts must not throw the spacing far off), and a fiftieth more spacing
           keeps the next window under it. */
        int64_t measured = lesson.interval_us * 2;
        if(ok > 0 && (ok + limited) / ok < 2)
            measured = lesson.interval_us * (ok + limited) / ok;
        lesson.interval_us = clamp_interval(measured + measured / 50);
        lesson.hold = PACE_HOLD_WINDOWS;
        return lesson;
    }
    /* No throttle: at our own capacity the host may allow more; below it, we cannot tell. */
    int64_t capacity = elapsed_us / lesson.interval_us;
    if(lesson.hold == 0 && ok * 10 >= capacity * 8 && capacity > 0)
        lesson.interval_us = clamp_interval(lesson.interval_us - lesson.interval_us / 10);
    return lesson;
}

int64_t pace_queued(int64_t tat_us, int64_t interval_us, int64_t now_us)
{
    if(interval_us <= 0 || tat_us <= now_us)
        return 0;
    return (tat_us - now_us + interval_us - 1) / interval_us;
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
