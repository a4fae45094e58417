/* The pacing, budget and breaker arithmetic as pure functions of time and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/pacing.h"

#define MS 1000LL
#define S 1000000LL

static void events_are_classified_as_the_host_means_them(void **state)
{
    (void)state;
    assert_int_equal(pace_classify(429, false, -1, false), PACE_THROTTLE);
    assert_int_equal(pace_classify(429, false, 1000, false), PACE_THROTTLE);
    assert_int_equal(pace_classify(429, false, 0, false), PACE_NEUTRAL); /* "come back now" */
    assert_int_equal(pace_classify(503, false, 2000, false), PACE_THROTTLE);
    assert_int_equal(pace_classify(503, false, -1, false), PACE_FAILURE);
    assert_int_equal(pace_classify(502, false, -1, true), PACE_FAILURE);
    assert_int_equal(pace_classify(200, false, -1, false), PACE_SUCCESS);
    assert_int_equal(pace_classify(404, false, -1, false), PACE_SUCCESS);
    assert_int_equal(pace_classify(0, true, -1, true), PACE_FAILURE); /* refused */
    assert_int_equal(pace_classify(0, false, -1, true), PACE_NEUTRAL); /* write error */
}

static void slots_follow_one_another_at_the_interval(void **state)
{
    (void)state;
    int64_t tat = 0, now = 100 * S;
    for(int i = 0; i < 5; i++) {
        struct pace_slot slot = pace_reserve(tat, 20 * MS, now, 0);
        assert_int_equal(slot.wait_us, i * 20 * MS);
        tat = slot.next_tat_us;
    }
    /* After a quiet spell the slot is now: pacing costs nothing below the rate. */
    struct pace_slot later = pace_reserve(tat, 20 * MS, now + 10 * S, 0);
    assert_int_equal(later.wait_us, 0);
    assert_int_equal(later.next_tat_us, now + 10 * S + 20 * MS);
}

static void retry_after_is_a_floor_and_the_queue_follows_it(void **state)
{
    (void)state;
    int64_t now = 100 * S;
    struct pace_slot slot = pace_reserve(now, 20 * MS, now, now + 1 * S);
    assert_int_equal(slot.wait_us, 1 * S);
    /* A queue longer than the floor: the floor changes nothing. */
    slot = pace_reserve(now + 2 * S, 20 * MS, now, now + 1 * S);
    assert_int_equal(slot.wait_us, 2 * S);
}

static void a_damaged_timestamp_holds_nobody_back(void **state)
{
    (void)state;
    int64_t now = 100 * S;
    struct pace_slot slot = pace_reserve(now + 3600 * S, 20 * MS, now, 0);
    assert_int_equal(slot.wait_us, 0);
    slot = pace_reserve(-5, -7, now, 0);
    assert_int_equal(slot.wait_us, 0);
    assert_int_equal(slot.next_tat_us, now + PACE_MIN_INTERVAL_US);
}

static void pacing_fades_after_the_last_throttle(void **state)
{
    (void)state;
    int64_t throttle = 100 * S;
    assert_true(pace_active(20 * MS, throttle, throttle + 1 * S));
    assert_false(pace_active(20 * MS, throttle, throttle + PACE_ACTIVE_US));
    assert_false(pace_active(0, throttle, throttle));
    /* The next throttle starts from what was learned, while it is remembered. */
    struct pace_lesson start =
        pace_start_interval(20 * MS, throttle, throttle + 2 * PACE_ACTIVE_US, 0);
    assert_int_equal(start.interval_us, 20 * MS);
    assert_int_equal(start.hold, 0); /* a memory is probed gently */
    start = pace_start_interval(20 * MS, throttle, throttle + PACE_REMEMBER_US, 0);
    assert_int_equal(start.interval_us, PACE_FIRST_INTERVAL_US);
    assert_int_equal(start.hold, PACE_UNMEASURED);
    start = pace_start_interval(20 * MS, throttle, throttle, 100 * MS);
    assert_int_equal(start.interval_us, 100 * MS);
    assert_int_equal(start.hold, PACE_UNMEASURED);
}

static void a_window_with_throttles_measures_the_rate(void **state)
{
    (void)state;
    /* 10 ms pacing against a host that allows 50/s: from one success to the fifth after it,
       100 ms; the host's spacing is 20 ms, and a fiftieth more keeps under it. */
    struct pace_lesson lesson = pace_learn(10 * MS, PACE_UNMEASURED, 100 * MS, 5, 5, 40, 0);
    assert_int_equal(lesson.interval_us, 20 * MS + 20 * MS / 50);
    assert_int_equal(lesson.measured_us, 20 * MS);
    assert_int_equal(lesson.hold, PACE_HOLD_WINDOWS);
    /* Nothing passed in 80 ms, once measured: the host's spacing is longer than that, and than
       twice ours. */
    lesson = pace_learn(10 * MS, 0, 80 * MS, 0, 8, 40, 0);
    assert_int_equal(lesson.interval_us, 80 * MS + 80 * MS / 50);
    lesson = pace_learn(40 * MS, 0, 50 * MS, 0, 2, 40, 0);
    assert_int_equal(lesson.interval_us, 80 * MS + 80 * MS / 50);
    /* The first guess only doubles, however long nothing passed: a herd's unpaced attempts,
       whose successes nobody counts, may have taken all the host passed. */
    lesson = pace_learn(10 * MS, PACE_UNMEASURED, 80 * MS, 0, 8, 40, 0);
    assert_int_equal(lesson.interval_us, 20 * MS + 20 * MS / 50);
    assert_int_equal(lesson.measured_us, 20 * MS);
    assert_int_equal(lesson.hold, PACE_HOLD_WINDOWS);
    lesson = pace_learn(10 * MS, PACE_UNMEASURED, 60 * MS, PACE_WINDOW_UNALIGNED, 8, 40, 0);
    assert_int_equal(lesson.interval_us, 20 * MS + 20 * MS / 50);
    /* A window that spans a quiet spell: no slower than the share of our pace that passed. */
    lesson = pace_learn(60 * MS, PACE_UNMEASURED, 1 * S, 4, 1, 0, 0);
    assert_int_equal(lesson.interval_us, 75 * MS + 75 * MS / 50);
    /* A throttle among many that passed (a limit without a burst, jitter): a little slower,
       no measure. */
    lesson = pace_learn(100 * MS, 0, 1200 * MS, 12, 1, 40, 0);
    assert_int_equal(lesson.interval_us, 100 * MS + 100 * MS / 32);
    assert_int_equal(lesson.measured_us, 0);
    /* A second measure near the first is averaged with it... */
    lesson = pace_learn(20 * MS, 0, 240 * MS, 12, 3, 40, 0);
    assert_int_equal(lesson.interval_us, (20 * MS + 20 * MS / 50 + 20 * MS) / 2);
    /* ...one far from it (a memory of another rate) replaces it. */
    lesson = pace_learn(5 * MS, 0, 240 * MS, 12, 36, 40, 0);
    assert_int_equal(lesson.interval_us, 20 * MS + 20 * MS / 50);
}

static void a_window_at_capacity_without_throttles_probes_faster(void **state)
{
    (void)state;
    /* A first guess that the host never throttled while a queue waits: by halves. */
    struct pace_lesson lesson = pace_learn(20 * MS, PACE_UNMEASURED, 400 * MS, 20, 0, 20, 0);
    assert_int_equal(lesson.interval_us, 10 * MS);
    assert_int_equal(lesson.hold, PACE_UNMEASURED);
    assert_int_equal(lesson.measured_us, 0);
    /* A measured spacing: by a sixteenth, then a window's hold... */
    lesson = pace_learn(20 * MS, 0, 400 * MS, 20, 0, 20, 0);
    assert_int_equal(lesson.interval_us, 20 * MS - 20 * MS / 16);
    assert_int_equal(lesson.hold, 1);
    /* ...and no faster than a thirty-second past a trusted measure. */
    lesson = pace_learn(20 * MS, 0, 400 * MS, 20, 0, 20, 20 * MS);
    assert_int_equal(lesson.interval_us, 20 * MS - 20 * MS / 32);
    lesson = pace_learn(19 * MS, 0, 400 * MS, 21, 0, 20, 20 * MS);
    assert_int_equal(lesson.interval_us, 19 * MS);
    /* A quiet spell returns to the trusted measure. */
    lesson = pace_learn(19 * MS, 0, 5 * S, 3, 0, 0, 20 * MS);
    assert_int_equal(lesson.interval_us, 20 * MS + 20 * MS / 50);
    /* During the hold, below capacity, or with nobody waiting, nothing moves. */
    lesson = pace_learn(20 * MS, 2, 400 * MS, 20, 0, 20, 0);
    assert_int_equal(lesson.interval_us, 20 * MS);
    assert_int_equal(lesson.hold, 1);
    lesson = pace_learn(20 * MS, 0, 400 * MS, 3, 0, 20, 0);
    assert_int_equal(lesson.interval_us, 20 * MS);
    lesson = pace_learn(20 * MS, PACE_UNMEASURED, 400 * MS, 20, 0, 2, 0);
    assert_int_equal(lesson.interval_us, 20 * MS);
}

/* A probe below a recent measure that the host throttles goes back to the measure: every
   other attempt passing a pace 3% too fast would otherwise read as twice the host's spacing. */
static void a_throttled_probe_goes_back_to_the_measure(void **state)
{
    (void)state;
    int64_t probe = 50 * MS - 50 * MS / 32;
    struct pace_lesson lesson = pace_learn(probe, 0, 600 * MS, 6, 6, 20, 50 * MS);
    assert_int_equal(lesson.interval_us, 50 * MS + 50 * MS / 50);
    assert_int_equal(lesson.hold, PACE_HOLD_WINDOWS);
    assert_int_equal(lesson.measured_us, 0);
    /* At the measure already, throttles measure the host again (it may have slowed down). */
    lesson = pace_learn(51 * MS, 0, 1200 * MS, 6, 6, 20, 50 * MS);
    assert_true(lesson.measured_us >= 100 * MS);
    assert_true(lesson.interval_us >= 100 * MS);
}

/* After a quiet spell the next burst starts at the trusted measure, not at a probe. */
static void a_quiet_host_resumes_at_its_measure(void **state)
{
    (void)state;
    int64_t probe = 50 * MS - 50 * MS / 32;
    int64_t seen = 1000 * S;
    assert_int_equal(pace_resume_interval(probe, 50 * MS, seen, seen + 2 * S), 50 * MS + MS);
    assert_int_equal(pace_resume_interval(probe, 50 * MS, seen, seen + 500 * MS), probe);
    assert_int_equal(pace_resume_interval(probe, 0, seen, seen + 2 * S), probe);
    assert_int_equal(pace_resume_interval(80 * MS, 50 * MS, seen, seen + 2 * S), 80 * MS);
    /* Quiet is at least twenty intervals. */
    assert_int_equal(pace_resume_interval(100 * MS, 200 * MS, seen, seen + 1500 * MS), 100 * MS);
    assert_int_equal(pace_resume_interval(100 * MS, 200 * MS, seen, seen + 2 * S), 204 * MS);
}

static void a_measure_is_trusted_for_a_while(void **state)
{
    (void)state;
    int64_t now = 5000 * S;
    uint64_t measure = pace_measure_pack(20 * MS, now);
    assert_int_equal(pace_trusted(measure, now + 1 * S), 20 * MS);
    assert_int_equal(pace_trusted(measure, now + PACE_TRUST_US + 1 * S), 0);
    assert_int_equal(pace_trusted(measure, now - 1 * S), 0); /* a clock that went back */
    assert_int_equal(pace_trusted(0, now), 0);
    assert_int_equal(pace_trusted(0xffffffffffffffffULL, now), 0); /* damage */
    /* The time is kept modulo 2^32 ms: a measure across the wrap is still recent. */
    int64_t wrap = (int64_t)0xffffffffLL * 1000;
    measure = pace_measure_pack(20 * MS, wrap);
    assert_int_equal(pace_trusted(measure, wrap + 2 * S), 20 * MS);
}

static void windows_end_at_a_success_once_they_hold_a_count(void **state)
{
    (void)state;
    /* Five successes end the first window (the host's rate unmeasured), twelve the others,
       and only at a success, so that the window holds whole intervals of the host. */
    assert_false(pace_window_over(0, 10 * MS, 90 * MS, 4, 4, PACE_UNMEASURED, true));
    assert_true(pace_window_over(0, 10 * MS, 100 * MS, 5, 4, PACE_UNMEASURED, true));
    assert_false(pace_window_over(0, 10 * MS, 100 * MS, 5, 4, PACE_UNMEASURED, false));
    assert_false(pace_window_over(0, 20 * MS, 200 * MS, 10, 0, 0, true));
    assert_true(pace_window_over(0, 20 * MS, 240 * MS, 12, 0, 0, true));
    /* Throttles and nothing passing: no need to wait for a count. */
    assert_true(pace_window_over(0, 10 * MS, 80 * MS, 0, PACE_WINDOW_LIMITED, 0, false));
    assert_false(pace_window_over(0, 10 * MS, 80 * MS, 1, PACE_WINDOW_LIMITED, 0, false));
    /* Whatever happens, a window ends after a quarter second and sixteen intervals. */
    assert_true(pace_window_over(0, 10 * MS, 250 * MS, PACE_WINDOW_UNALIGNED, 0, 0, false));
    assert_false(pace_window_over(0, 100 * MS, 1500 * MS, 3, 0, 0, false));
    assert_true(pace_window_over(0, 100 * MS, 1600 * MS, 3, 0, 0, false));
    assert_true(pace_window_over(5 * S, 10 * MS, 1 * S, 0, 0, 0, false)); /* another boot */
}

static void the_queue_counts_slots_ahead(void **state)
{
    (void)state;
    assert_int_equal(pace_queued(1 * S + 100 * MS, 20 * MS, 1 * S), 5);
    assert_int_equal(pace_queued(1 * S, 20 * MS, 2 * S), 0);
    /* Damage: a slot absurdly far ahead, an interval out of range. */
    assert_int_equal(pace_queued(INT64_MAX - 1, INT64_MAX - 1, 1 * S), 0);
    assert_true(pace_queued(1 * S + 100 * MS, INT64_MAX, 1 * S) >= 0);
    /* What moves the slots: a change of more than a sixteenth, either way. */
    assert_false(pace_spacing_moved(16 * MS, 17 * MS));
    assert_true(pace_spacing_moved(16 * MS, 17 * MS + 1));
    assert_true(pace_spacing_moved(16 * MS, 15 * MS - 1));
    assert_false(pace_spacing_moved(INT64_MAX, INT64_MAX - 1)); /* damage: clamped, no overflow */
    assert_true(pace_window_over(INT64_MIN, 20 * MS, 1 * S, 0, 0, 0, false));
}

static void the_budget_is_a_share_of_requests_with_a_floor(void **state)
{
    (void)state;
    int64_t now = 1000000;
    uint64_t word = 0, next;
    assert_int_equal(budget_tokens(word, now), BUDGET_CAP);
    int retries = 0;
    while(budget_withdraw(word, now, BUDGET_RETRY_COST, &next)) {
        word = next;
        retries++;
    }
    assert_int_equal(retries, BUDGET_CAP / BUDGET_RETRY_COST);
    /* Five requests pay for one retry. */
    for(int i = 0; i < 5; i++)
        word = budget_deposit(word, now, BUDGET_PER_REQUEST);
    assert_true(budget_withdraw(word, now, BUDGET_RETRY_COST, &next));
    word = next;
    assert_false(budget_withdraw(word, now, BUDGET_RETRY_COST, &next));
    /* A tenth of a second later the floor pays for another. */
    assert_true(budget_withdraw(word, now + 100, BUDGET_RETRY_COST, &next));
    assert_int_equal(budget_tokens(word, now + 3600000 * 2), BUDGET_CAP);
}

static void the_breaker_opens_after_failures_in_a_row_and_probes_once_open_time_is_over(
    void **state)
{
    (void)state;
    int64_t streak = 1000, later = streak + BREAKER_STREAK_MS;
    assert_false(breaker_trips(BREAKER_FAILURES - 1, streak, 0, later));
    assert_true(breaker_trips(BREAKER_FAILURES, streak, 0, later));
    assert_false(breaker_trips(BREAKER_FAILURES + 1, streak, 5000, later)); /* open already */
    /* Sixteen threads failing in the same millisecond are one event, not repeated failures. */
    assert_false(breaker_trips(16, streak, 0, streak + 1));
    assert_int_equal(breaker_state(0, 1000), BREAKER_CLOSED);
    assert_int_equal(breaker_state(1000 + BREAKER_OPEN_MS, 1000), BREAKER_OPEN);
    assert_int_equal(breaker_state(1000, 1000 + 1), BREAKER_HALF_OPEN);
    assert_int_equal(breaker_state(1000 + 100 * BREAKER_OPEN_MS, 1000), BREAKER_HALF_OPEN);
}

static void a_call_kept_away_by_the_breaker_goes_to_its_fallback(void **state)
{
    (void)state;
    /* A breaker that lets the attempt through: the host, fallback or not. */
    assert_int_equal(breaker_route(false, false, false), BREAKER_TO_HOST);
    assert_int_equal(breaker_route(false, false, true), BREAKER_TO_HOST);
    assert_int_equal(breaker_route(false, true, false), BREAKER_TO_HOST);
    assert_int_equal(breaker_route(false, true, true), BREAKER_TO_HOST);
    /* Kept away: the fallback takes the first attempt and a retry alike... */
    assert_int_equal(breaker_route(true, false, true), BREAKER_TO_FALLBACK);
    assert_int_equal(breaker_route(true, true, true), BREAKER_TO_FALLBACK);
    /* ...and without one the program's own attempt goes out, a retry does not. */
    assert_int_equal(breaker_route(true, false, false), BREAKER_TO_HOST);
    assert_int_equal(breaker_route(true, true, false), BREAKER_WITHHELD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_are_classified_as_the_host_means_them),
        cmocka_unit_test(slots_follow_one_another_at_the_interval),
        cmocka_unit_test(retry_after_is_a_floor_and_the_queue_follows_it),
        cmocka_unit_test(a_damaged_timestamp_holds_nobody_back),
        cmocka_unit_test(pacing_fades_after_the_last_throttle),
        cmocka_unit_test(a_window_with_throttles_measures_the_rate),
        cmocka_unit_test(a_window_at_capacity_without_throttles_probes_faster),
        cmocka_unit_test(a_throttled_probe_goes_back_to_the_measure),
        cmocka_unit_test(a_quiet_host_resumes_at_its_measure),
        cmocka_unit_test(a_measure_is_trusted_for_a_while),
        cmocka_unit_test(windows_end_at_a_success_once_they_hold_a_count),
        cmocka_unit_test(the_queue_counts_slots_ahead),
        cmocka_unit_test(the_budget_is_a_share_of_requests_with_a_floor),
        cmocka_unit_test(
            the_breaker_opens_after_failures_in_a_row_and_probes_once_open_time_is_over),
        cmocka_unit_test(a_call_kept_away_by_the_breaker_goes_to_its_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
