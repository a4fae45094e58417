/* The pacing, budget and breaker arithmetic driven by fuzzed events and times, with the words
   of the shared record fuzzed too (another process, or damage, may have written anything).
   Promises: a wait is never negative and never longer than the bound on how far ahead a slot
   may lie (plus a floor that is itself bounded); every learned spacing stays within its
   bounds; the budget never holds less than nothing or more than its cap. */
#include "fuzz_input.h"
#include "policy/pacing.h"

#define S 1000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    int64_t now = (int64_t)fuzz_upto(&in, 1000000 * S);
    int64_t tat = (int64_t)fuzz_u64(&in);
    int64_t interval = (int64_t)fuzz_u64(&in);
    int64_t hold = (int64_t)fuzz_upto(&in, 10) - 1;
    uint64_t measure = fuzz_u64(&in);
    uint64_t budget = fuzz_u64(&in);
    while(!fuzz_empty(&in)) {
        now += (int64_t)fuzz_upto(&in, 10 * S);
        switch(fuzz_u8(&in) % 5) {
        case 0: {
            int64_t earliest = now + (int64_t)fuzz_upto(&in, 200 * S) - 100 * S;
            struct pace_slot slot = pace_reserve(tat, interval, now, earliest);
            FUZZ_CHECK(slot.wait_us >= 0);
            FUZZ_CHECK(slot.wait_us <= PACE_MAX_AHEAD_US);
            FUZZ_CHECK(slot.next_tat_us > now + slot.wait_us);
            tat = slot.next_tat_us;
            break;
        }
        case 1: {
            int64_t elapsed = (int64_t)fuzz_upto(&in, 100 * S);
            int64_t ok = (int64_t)fuzz_upto(&in, 100001) - 1,
                    limited = (int64_t)fuzz_upto(&in, 1000);
            bool at_success = fuzz_bool(&in);
            (void)pace_window_over(now - elapsed, interval, now, ok, limited, hold, at_success);
            int64_t trusted = pace_trusted(measure, now);
            FUZZ_CHECK(trusted == 0 ||
                       (trusted >= PACE_MIN_INTERVAL_US && trusted <= PACE_MAX_INTERVAL_US));
            struct pace_lesson lesson = pace_learn(interval, hold, elapsed, ok, limited,
                                                   (int64_t)(fuzz_u64(&in) >> 1), trusted);
            FUZZ_CHECK(lesson.interval_us >= PACE_MIN_INTERVAL_US);
            FUZZ_CHECK(lesson.interval_us <= PACE_MAX_INTERVAL_US);
            FUZZ_CHECK(lesson.hold >= PACE_UNMEASURED && lesson.hold <= PACE_HOLD_WINDOWS);
            FUZZ_CHECK(lesson.measured_us == 0 || (lesson.measured_us >= PACE_MIN_INTERVAL_US &&
                                                   lesson.measured_us <= PACE_MAX_INTERVAL_US));
            if(lesson.measured_us > 0)
                measure = pace_measure_pack(lesson.measured_us, now);
            interval = lesson.interval_us;
            hold = lesson.hold;
            FUZZ_CHECK(pace_queued(tat, interval, now) >= 0);
            FUZZ_CHECK(pace_queued((int64_t)fuzz_u64(&in), (int64_t)fuzz_u64(&in), now) >= 0);
            (void)pace_spacing_moved((int64_t)fuzz_u64(&in), (int64_t)fuzz_u64(&in));
            (void)pace_window_over((int64_t)fuzz_u64(&in), (int64_t)fuzz_u64(&in), now,
                                   (int64_t)fuzz_u64(&in), (int64_t)fuzz_u64(&in),
                                   (int64_t)fuzz_u64(&in), fuzz_bool(&in));
            break;
        }
        case 2: {
            struct pace_lesson start =
                pace_start_interval(interval, (int64_t)fuzz_u64(&in), now,
                                    (int64_t)fuzz_u64(&in) >> (fuzz_u8(&in) % 64));
            FUZZ_CHECK(start.interval_us >= PACE_MIN_INTERVAL_US &&
                       start.interval_us <= PACE_MAX_INTERVAL_US);
            FUZZ_CHECK(start.hold == PACE_UNMEASURED || start.hold == 0);
            int64_t trusted = pace_trusted(measure, now);
            int64_t resumed = pace_resume_interval(interval, trusted, (int64_t)fuzz_u64(&in), now);
            FUZZ_CHECK(resumed >= PACE_MIN_INTERVAL_US && resumed <= PACE_MAX_INTERVAL_US);
            FUZZ_CHECK(resumed >= interval || interval > PACE_MAX_INTERVAL_US ||
                       interval < PACE_MIN_INTERVAL_US); /* never faster */
            break;
        }
        case 3: {
            int64_t now_ms = now / 1000;
            int64_t tokens = budget_tokens(budget, now_ms);
            FUZZ_CHECK(tokens >= 0 && tokens <= BUDGET_CAP);
            uint64_t next;
            if(fuzz_bool(&in)) {
                budget = budget_deposit(budget, now_ms, (int64_t)fuzz_upto(&in, 2 * BUDGET_CAP));
            }
            else if(budget_withdraw(budget, now_ms, BUDGET_RETRY_COST, &next)) {
                FUZZ_CHECK(tokens >= BUDGET_RETRY_COST);
                FUZZ_CHECK(budget_tokens(next, now_ms) == tokens - BUDGET_RETRY_COST);
                budget = next;
            }
            break;
        }
        case 4: {
            int64_t open_until = (int64_t)fuzz_u64(&in) >> (fuzz_u8(&in) % 64);
            enum breaker_state state = breaker_state(open_until, now / 1000);
            FUZZ_CHECK(state != BREAKER_OPEN || open_until > now / 1000);
            FUZZ_CHECK(state != BREAKER_CLOSED || open_until <= 0);
            (void)pace_classify((long)fuzz_upto(&in, 999), fuzz_bool(&in),
                                (long)fuzz_upto(&in, 5000) - 1, fuzz_bool(&in));
            break;
        }
        }
    }
    return 0;
}
