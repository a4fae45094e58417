/* policy_plan classification and waits, policy_backoff_ms bounds for every jitter mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "policy/config.h"
#include "policy/retry_plan.h"
#include "policy/status_set.h"

static const char *no_variables(const char *name, void *ctx)
{
    (void)name;
    (void)ctx;
    return NULL;
}

static struct tryagain_config default_config(void)
{
    struct tryagain_config config;
    config_parse(&config, no_variables, NULL, NULL, NULL);
    return config;
}

/* A splitmix64 sequence: the same "random" values on every run. */
static uint64_t next_random(uint64_t *seed)
{
    uint64_t z = (*seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const uint64_t edge_randoms[] = {
    0, 1, 2, UINT64_MAX, UINT64_MAX - 1, INT64_MAX, (uint64_t)INT64_MAX + 1};

static struct attempt_result get_status(long status)
{
    struct attempt_result result = {
        .curl_code = CURLE_OK,
        .http_status = status,
        .response_started = true,
        .delivered = false,
        .request_sent = true,
        .idempotent = true,
        .retry_after_ms = -1,
    };
    return result;
}

static struct attempt_result get_failure(int curl_code)
{
    struct attempt_result result = {
        .curl_code = curl_code,
        .http_status = 0,
        .response_started = false,
        .delivered = false,
        .request_sent = false,
        .idempotent = true,
        .retry_after_ms = -1,
    };
    return result;
}

static struct retry_plan plan_first(const struct tryagain_config *config,
                                    const struct attempt_result *result)
{
    return policy_plan(config, result, 1, 0, 0, 12345);
}

static void retryable_statuses_are_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const long statuses[] = {408, 429, 500, 502, 503, 504};
    for(size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct attempt_result result = get_status(statuses[i]);
        struct retry_plan plan = plan_first(&config, &result);
        assert_true(plan.retry);
        assert_int_equal(plan.reason, PLAN_RETRY);
        assert_int_equal(plan.wait_reason, WAIT_BACKOFF);
    }
}

static void a_5xx_class_retries_every_server_error(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    assert_true(status_set_parse("5xx", &config.retry_status));
    for(long status = 500; status <= 599; status++) {
        struct attempt_result result = get_status(status);
        assert_true(plan_first(&config, &result).retry);
    }
    struct attempt_result result = get_status(429);
    assert_false(plan_first(&config, &result).retry);
}

static void client_errors_are_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const long statuses[] = {400, 401, 403, 404, 405, 409, 410, 422};
    for(size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct attempt_result result = get_status(statuses[i]);
        struct retry_plan plan = plan_first(&config, &result);
        assert_false(plan.retry);
        assert_int_equal(plan.reason, PLAN_NOT_TRANSIENT);
    }
}

static void failonerror_statuses_classify_like_plain_ones(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(503);
    result.curl_code = CURLE_HTTP_RETURNED_ERROR;
    assert_true(plan_first(&config, &result).retry);
    result = get_status(404);
    result.curl_code = CURLE_HTTP_RETURNED_ERROR;
    assert_int_equal(plan_first(&config, &result).reason, PLAN_NOT_TRANSIENT);
}

static void success_is_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const long statuses[] = {200, 201, 204, 301, 304, 0};
    for(size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct attempt_result result = get_status(statuses[i]);
        struct retry_plan plan = plan_first(&config, &result);
        assert_false(plan.retry);
        assert_int_equal(plan.reason, PLAN_SUCCEEDED);
    }
}

static void connection_failures_before_any_response_are_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const int codes[] = {CURLE_COULDNT_CONNECT,      CURLE_OPERATION_TIMEDOUT,
                                CURLE_COULDNT_RESOLVE_HOST, CURLE_GOT_NOTHING,
                                CURLE_RECV_ERROR,           CURLE_SEND_ERROR,
                                CURLE_SSL_CONNECT_ERROR,    CURLE_HTTP2_STREAM};
    for(size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        struct attempt_result result = get_failure(codes[i]);
        assert_true(policy_transient_curl_code(codes[i]));
        struct retry_plan plan = plan_first(&config, &result);
        assert_true(plan.retry);
        assert_int_equal(plan.wait_reason, WAIT_BACKOFF);
        result.request_sent = true; /* e.g. a reset after the request went out */
        assert_true(plan_first(&config, &result).retry);
    }
}

static void a_timeout_after_the_response_started_is_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_failure(CURLE_OPERATION_TIMEDOUT);
    result.request_sent = true;
    result.response_started = true;
    result.http_status = 200;
    struct retry_plan plan = plan_first(&config, &result);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_NOT_TRANSIENT);

    result.http_status = 0; /* headers begun, no status yet */
    assert_false(plan_first(&config, &result).retry);

    result.http_status = 200;
    result.delivered = true;
    plan = plan_first(&config, &result);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_DELIVERED);
}

static void a_retryable_status_cut_short_is_still_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(503);
    result.curl_code = CURLE_OPERATION_TIMEDOUT;
    assert_true(plan_first(&config, &result).retry);
}

static void failures_of_the_program_are_never_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const int codes[] = {CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK, CURLE_READ_ERROR,
                                CURLE_SEND_FAIL_REWIND};
    for(size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        struct attempt_result result = get_failure(codes[i]);
        assert_int_equal(plan_first(&config, &result).reason, PLAN_NOT_TRANSIENT);
        result = get_status(503); /* even with a retryable status */
        result.curl_code = codes[i];
        assert_int_equal(plan_first(&config, &result).reason, PLAN_NOT_TRANSIENT);
    }
}

static void other_curl_errors_are_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const int codes[] = {CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,
                                CURLE_PEER_FAILED_VERIFICATION, CURLE_TOO_MANY_REDIRECTS,
                                CURLE_OUT_OF_MEMORY};
    for(size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_false(policy_transient_curl_code(codes[i]));
        struct attempt_result result = get_failure(codes[i]);
        assert_int_equal(plan_first(&config, &result).reason, PLAN_NOT_TRANSIENT);
    }
}

static void post_is_retried_only_where_the_server_did_not_act(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result;

    static const long safe[] = {429, 503};
    for(size_t i = 0; i < 2; i++) {
        result = get_status(safe[i]);
        result.idempotent = false;
        assert_true(plan_first(&config, &result).retry);
    }
    static const long unsafe[] = {408, 500, 502, 504};
    for(size_t i = 0; i < 4; i++) {
        result = get_status(unsafe[i]);
        result.idempotent = false;
        struct retry_plan plan = plan_first(&config, &result);
        assert_false(plan.retry);
        assert_int_equal(plan.reason, PLAN_UNSAFE);
    }

    result = get_failure(CURLE_COULDNT_CONNECT);
    result.idempotent = false;
    assert_true(plan_first(&config, &result).retry);

    result = get_failure(CURLE_RECV_ERROR);
    result.idempotent = false;
    result.request_sent = true;
    assert_int_equal(plan_first(&config, &result).reason, PLAN_UNSAFE);
}

static void retry_unsafe_retries_post_like_the_rest(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.retry_unsafe = true;
    struct attempt_result result = get_status(500);
    result.idempotent = false;
    assert_true(plan_first(&config, &result).retry);
    result = get_failure(CURLE_RECV_ERROR);
    result.idempotent = false;
    result.request_sent = true;
    assert_true(plan_first(&config, &result).retry);
    result = get_status(404); /* still only transient failures */
    result.idempotent = false;
    assert_false(plan_first(&config, &result).retry);
}

static void methods_are_classified_by_idempotency(void **state)
{
    (void)state;
    static const char *const yes[] = {"GET", "head", "PUT", "DELETE", "OPTIONS", "TRACE"};
    static const char *const no[] = {"POST", "PATCH", "CONNECT", "LOCK", ""};
    for(size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(policy_method_idempotent(yes[i]));
    for(size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(policy_method_idempotent(no[i]));
}

static void a_delivered_response_is_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(503);
    result.delivered = true;
    struct retry_plan plan = plan_first(&config, &result);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_DELIVERED);
}

static void the_last_attempt_is_not_retried(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(503);
    assert_true(policy_plan(&config, &result, 4, 0, 0, 1).retry);
    struct retry_plan plan = policy_plan(&config, &result, 5, 0, 0, 1);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_EXHAUSTED);

    config.max_attempts = 1;
    plan = plan_first(&config, &result);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_EXHAUSTED);
}

static void retry_after_sets_the_wait_on_429_and_503(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    static const long statuses[] = {429, 503};
    for(size_t s = 0; s < 2; s++) {
        uint64_t seed = 7;
        for(int i = 0; i < 2000; i++) {
            struct attempt_result result = get_status(statuses[s]);
            result.retry_after_ms = 5000;
            struct retry_plan plan = policy_plan(&config, &result, 1, 0, 0, next_random(&seed));
            assert_true(plan.retry);
            assert_int_equal(plan.wait_reason, WAIT_RETRY_AFTER);
            assert_in_range(plan.wait_ms, 5000, 5500);
        }
        for(size_t i = 0; i < sizeof(edge_randoms) / sizeof(edge_randoms[0]); i++) {
            struct attempt_result result = get_status(statuses[s]);
            result.retry_after_ms = 5000;
            struct retry_plan plan = policy_plan(&config, &result, 1, 0, 0, edge_randoms[i]);
            assert_in_range(plan.wait_ms, 5000, 5500);
        }
    }
}

static void retry_after_is_exact_without_jitter(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_NONE;
    uint64_t seed = 3;
    for(int i = 0; i < 200; i++) {
        struct attempt_result result = get_status(429);
        result.retry_after_ms = 1234;
        struct retry_plan plan = policy_plan(&config, &result, 2, 0, 0, next_random(&seed));
        assert_int_equal(plan.wait_ms, 1234);
        assert_int_equal(plan.wait_reason, WAIT_RETRY_AFTER);
    }
}

static void retry_after_of_zero_retries_at_once(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(503);
    result.retry_after_ms = 0;
    struct retry_plan plan = policy_plan(&config, &result, 1, 0, 0, UINT64_MAX);
    assert_true(plan.retry);
    assert_int_equal(plan.wait_ms, 0);
}

static void retry_after_is_ignored_on_other_statuses(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_NONE;
    struct attempt_result result = get_status(500);
    result.retry_after_ms = 9000;
    struct retry_plan plan = plan_first(&config, &result);
    assert_true(plan.retry);
    assert_int_equal(plan.wait_reason, WAIT_BACKOFF);
    assert_int_equal(plan.wait_ms, 1000);
}

static void retry_after_beyond_the_maximum_is_not_waited_for(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result result = get_status(429);
    result.retry_after_ms = 60000;
    assert_true(plan_first(&config, &result).retry);
    result.retry_after_ms = 60001;
    struct retry_plan plan = plan_first(&config, &result);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_RETRY_AFTER_TOO_LONG);
    assert_int_equal(plan.wait_reason, WAIT_RETRY_AFTER);
    assert_int_equal(plan.wait_ms, 60001);
}

static void a_wait_past_the_deadline_is_not_started(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_NONE;
    config.deadline_ms = 5000;
    struct attempt_result result = get_status(503);
    assert_true(policy_plan(&config, &result, 1, 4000, 0, 0).retry); /* 4000 + 1000 */
    struct retry_plan plan = policy_plan(&config, &result, 1, 4001, 0, 0);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_DEADLINE);

    result.retry_after_ms = 3000;
    plan = policy_plan(&config, &result, 1, 2500, 0, 0);
    assert_false(plan.retry);
    assert_int_equal(plan.reason, PLAN_DEADLINE);

    config.deadline_ms = 0; /* none */
    assert_true(policy_plan(&config, &result, 1, 1000000, 0, 0).retry);
}

static void backoff_doubles_from_the_base(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_NONE;
    struct attempt_result result = get_status(503);
    static const long expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
    config.max_attempts = 100;
    for(int attempt = 1; attempt <= 7; attempt++) {
        struct retry_plan plan = policy_plan(&config, &result, attempt, 0, 0, 99);
        assert_int_equal(plan.wait_ms, expected[attempt - 1]);
    }
}

/* The ceiling for retry n with jitter none, computed without any chance of overflow. */
static long expected_ceiling(long base, long cap, int retry_index)
{
    long ceiling = base;
    for(int i = 0; i < retry_index; i++) {
        if(ceiling >= cap)
            break;
        ceiling *= 2;
    }
    return ceiling < cap ? ceiling : cap;
}

struct delay_case {
    long base, cap;
};

static const struct delay_case delay_cases[] = {
    {1000, 30000},        {50, 2000},  {1, 1},  {0, 30000}, {7, 86400000},
    {86400000, 86400000}, {5000, 100}, {3, 10}, {0, 0},
};

static void check_backoff_bounds(enum jitter_mode jitter)
{
    uint64_t seed = 42;
    for(size_t c = 0; c < sizeof(delay_cases) / sizeof(delay_cases[0]); c++) {
        struct tryagain_config config = default_config();
        config.jitter = jitter;
        config.base_delay_ms = delay_cases[c].base;
        config.max_delay_ms = delay_cases[c].cap;
        long cap = delay_cases[c].cap;
        for(int index = 0; index <= 64; index++) {
            long ceiling = expected_ceiling(config.base_delay_ms, cap, index);
            for(int i = 0; i < 200 + (int)(sizeof(edge_randoms) / sizeof(edge_randoms[0])); i++) {
                uint64_t random = i < 200 ? next_random(&seed) : edge_randoms[i - 200];
                long wait = policy_backoff_ms(&config, index, 0, random);
                switch(jitter) {
                case JITTER_FULL:
                    assert_in_range(wait, 0, ceiling);
                    break;
                case JITTER_EQUAL:
                    assert_in_range(wait, ceiling / 2, ceiling);
                    break;
                case JITTER_NONE:
                    assert_int_equal(wait, ceiling);
                    break;
                case JITTER_DECORRELATED:
                    break;
                }
                assert_true(wait <= cap);
            }
        }
    }
}

static void full_jitter_stays_between_zero_and_the_ceiling(void **state)
{
    (void)state;
    check_backoff_bounds(JITTER_FULL);
}

static void equal_jitter_stays_in_the_upper_half(void **state)
{
    (void)state;
    check_backoff_bounds(JITTER_EQUAL);
}

static void no_jitter_waits_exactly_the_ceiling(void **state)
{
    (void)state;
    check_backoff_bounds(JITTER_NONE);
}

static void full_jitter_uses_the_whole_range(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.base_delay_ms = 100;
    uint64_t seed = 1;
    long low = 100, high = 0;
    for(int i = 0; i < 5000; i++) {
        long wait = policy_backoff_ms(&config, 0, 0, next_random(&seed));
        low = wait < low ? wait : low;
        high = wait > high ? wait : high;
    }
    assert_true(low <= 2);
    assert_true(high >= 98);
}

static void decorrelated_jitter_stays_between_base_and_three_times_the_last_wait(void **state)
{
    (void)state;
    uint64_t seed = 99;
    static const long previous_waits[] = {0,    1,     5,     999,   1000,  1001,    3333,
                                          9999, 10000, 10001, 29999, 30000, 1000000, 86400000};
    for(size_t c = 0; c < sizeof(delay_cases) / sizeof(delay_cases[0]); c++) {
        struct tryagain_config config = default_config();
        config.jitter = JITTER_DECORRELATED;
        config.base_delay_ms = delay_cases[c].base;
        config.max_delay_ms = delay_cases[c].cap;
        long cap = delay_cases[c].cap;
        long low = config.base_delay_ms < cap ? config.base_delay_ms : cap;
        for(size_t p = 0; p < sizeof(previous_waits) / sizeof(previous_waits[0]); p++) {
            long previous = previous_waits[p] > low ? previous_waits[p] : low;
            long high = previous * 3 < cap ? previous * 3 : cap;
            if(high < low)
                high = low;
            for(int i = 0; i < 300; i++) {
                long wait = policy_backoff_ms(&config, i % 70, previous_waits[p],
                                              i < 290 ? next_random(&seed) : edge_randoms[i % 7]);
                assert_in_range(wait, low, high);
            }
        }
    }
}

static void decorrelated_jitter_chain_never_exceeds_the_cap(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_DECORRELATED;
    uint64_t seed = 5;
    long previous = 0;
    for(int i = 0; i < 10000; i++) {
        long wait = policy_backoff_ms(&config, i, previous, next_random(&seed));
        assert_in_range(wait, 1000, 30000);
        long limit = previous > 1000 ? previous * 3 : 3000;
        assert_true(wait <= limit);
        previous = wait;
    }
}

static void large_retry_indexes_stay_at_the_cap(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    config.jitter = JITTER_NONE;
    config.base_delay_ms = 86400000;
    config.max_delay_ms = 86400000;
    assert_int_equal(policy_backoff_ms(&config, 60, 0, 0), 86400000);
    config.base_delay_ms = 1;
    assert_int_equal(policy_backoff_ms(&config, 60, 0, 0), 86400000);
    assert_int_equal(policy_backoff_ms(&config, 1000, 0, 0), 86400000);
    config.max_delay_ms = 30000;
    assert_int_equal(policy_backoff_ms(&config, 60, 0, 0), 30000);
    config.jitter = JITTER_FULL;
    assert_in_range(policy_backoff_ms(&config, 60, 0, UINT64_MAX), 0, 30000);
}

static void a_zero_base_never_waits(void **state)
{
    (void)state;
    static const enum jitter_mode modes[] = {JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED,
                                             JITTER_NONE};
    uint64_t seed = 11;
    for(size_t m = 0; m < 4; m++) {
        struct tryagain_config config = default_config();
        config.jitter = modes[m];
        config.base_delay_ms = 0;
        for(int index = 0; index < 70; index++)
            assert_int_equal(policy_backoff_ms(&config, index, 0, next_random(&seed)), 0);
    }
}

static void every_reason_has_words(void **state)
{
    (void)state;
    for(int reason = PLAN_RETRY; reason <= PLAN_INTERRUPTED; reason++) {
        const char *text = policy_reason_text((enum plan_reason)reason);
        assert_non_null(text);
        assert_true(strlen(text) > 3);
        assert_string_not_equal(text, "?");
    }
}

/* The gate's question, asked at a response's first body byte, agrees with the plan. */
static void outcome_retryable_agrees_with_the_plan(void **state)
{
    (void)state;
    struct tryagain_config config = default_config();
    struct attempt_result busy = get_status(503);
    assert_int_equal(policy_outcome_retryable(&config, &busy, 1), PLAN_RETRY);
    assert_int_equal(policy_outcome_retryable(&config, &busy, (int)config.max_attempts),
                     PLAN_EXHAUSTED);
    struct attempt_result missing = get_status(404);
    assert_int_equal(policy_outcome_retryable(&config, &missing, 1), PLAN_NOT_TRANSIENT);
    struct attempt_result post_500 = get_status(500);
    post_500.idempotent = false;
    assert_int_equal(policy_outcome_retryable(&config, &post_500, 1), PLAN_UNSAFE);
    post_500.http_status = 429;
    assert_int_equal(policy_outcome_retryable(&config, &post_500, 1), PLAN_RETRY);
    struct attempt_result far = get_status(429);
    far.retry_after_ms = config.max_retry_after_ms + 1;
    assert_int_equal(policy_outcome_retryable(&config, &far, 1), PLAN_RETRY_AFTER_TOO_LONG);
    struct retry_plan plan = policy_plan(&config, &far, 1, 0, 0, 0);
    assert_int_equal(plan.reason, PLAN_RETRY_AFTER_TOO_LONG);
    assert_int_equal(plan.wait_ms, far.retry_after_ms);
}

static void only_429_and_503_decline(void **state)
{
    (void)state;
    for(long status = 100; status < 600; status++)
        assert_int_equal(policy_status_declined(status), status == 429 || status == 503);
}

static void give_ups_are_the_transient_failures_not_retried(void **state)
{
    (void)state;
    assert_false(policy_gives_up(PLAN_RETRY, true));
    assert_false(policy_gives_up(PLAN_SUCCEEDED, false));
    assert_false(policy_gives_up(PLAN_NOT_TRANSIENT, true));
    assert_true(policy_gives_up(PLAN_EXHAUSTED, true));
    assert_true(policy_gives_up(PLAN_DEADLINE, true));
    assert_true(policy_gives_up(PLAN_INTERRUPTED, true));
    assert_true(policy_gives_up(PLAN_UNSAFE, true));
    assert_true(policy_gives_up(PLAN_NOT_REWINDABLE, true));
    assert_true(policy_gives_up(PLAN_RETRY_AFTER_TOO_LONG, false));
    assert_true(policy_gives_up(PLAN_DELIVERED, true)); /* a failure the program half-saw */
    assert_false(policy_gives_up(PLAN_DELIVERED, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retryable_statuses_are_retried),
        cmocka_unit_test(a_5xx_class_retries_every_server_error),
        cmocka_unit_test(client_errors_are_not_retried),
        cmocka_unit_test(failonerror_statuses_classify_like_plain_ones),
        cmocka_unit_test(success_is_not_retried),
        cmocka_unit_test(connection_failures_before_any_response_are_retried),
        cmocka_unit_test(a_timeout_after_the_response_started_is_not_retried),
        cmocka_unit_test(a_retryable_status_cut_short_is_still_retried),
        cmocka_unit_test(failures_of_the_program_are_never_retried),
        cmocka_unit_test(other_curl_errors_are_not_retried),
        cmocka_unit_test(post_is_retried_only_where_the_server_did_not_act),
        cmocka_unit_test(retry_unsafe_retries_post_like_the_rest),
        cmocka_unit_test(methods_are_classified_by_idempotency),
        cmocka_unit_test(a_delivered_response_is_not_retried),
        cmocka_unit_test(the_last_attempt_is_not_retried),
        cmocka_unit_test(retry_after_sets_the_wait_on_429_and_503),
        cmocka_unit_test(retry_after_is_exact_without_jitter),
        cmocka_unit_test(retry_after_of_zero_retries_at_once),
        cmocka_unit_test(retry_after_is_ignored_on_other_statuses),
        cmocka_unit_test(retry_after_beyond_the_maximum_is_not_waited_for),
        cmocka_unit_test(a_wait_past_the_deadline_is_not_started),
        cmocka_unit_test(backoff_doubles_from_the_base),
        cmocka_unit_test(full_jitter_stays_between_zero_and_the_ceiling),
        cmocka_unit_test(equal_jitter_stays_in_the_upper_half),
        cmocka_unit_test(no_jitter_waits_exactly_the_ceiling),
        cmocka_unit_test(full_jitter_uses_the_whole_range),
        cmocka_unit_test(decorrelated_jitter_stays_between_base_and_three_times_the_last_wait),
        cmocka_unit_test(decorrelated_jitter_chain_never_exceeds_the_cap),
        cmocka_unit_test(large_retry_indexes_stay_at_the_cap),
        cmocka_unit_test(a_zero_base_never_waits),
        cmocka_unit_test(every_reason_has_words),
        cmocka_unit_test(outcome_retryable_agrees_with_the_plan),
        cmocka_unit_test(only_429_and_503_decline),
        cmocka_unit_test(give_ups_are_the_transient_failures_not_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
