/* policy_plan, policy_backoff_ms and connect_wait_plan on fuzzed configurations (every field
   within the bounds config_parse enforces) and fuzzed attempt outcomes. The decisions must
   keep their promises: waits within their caps, no retry once attempts are exhausted or the
   program has part of the response, none past the deadline, none of a refused or successful
   transfer, none of an unsafe request the server may have acted on. */
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "policy/config.h"
#include "policy/connect_rules.h"
#include "fuzz_input.h"
#include "policy/retry_plan.h"
#include "policy/retry_after.h"
#include "policy/status_set.h"

#define DAY_MS 86400000L

static void take_config(struct fuzz_input *in, struct tryagain_config *config)
{
    memset(config, 0, sizeof(*config));
    config->max_attempts = 1 + (long)fuzz_upto(in, 99);
    /* Small delays half the time, so caps and doubling are reached within a few attempts. */
    bool small = fuzz_bool(in);
    config->base_delay_ms = (long)fuzz_upto(in, small ? 1000 : DAY_MS);
    config->max_delay_ms = (long)fuzz_upto(in, small ? 100000 : DAY_MS);
    config->jitter = (enum jitter_mode)(fuzz_u8(in) % 4);
    config->max_retry_after_ms = (long)fuzz_upto(in, DAY_MS);
    config->deadline_ms = fuzz_bool(in) ? 0 : (long)fuzz_upto(in, DAY_MS);
    config->connect_wait_ms = (long)fuzz_upto(in, small ? 100000 : DAY_MS);
    config->connect_any_wait_ms = (long)fuzz_upto(in, small ? 10000 : DAY_MS);
    config->retry_unsafe = fuzz_bool(in);
    for(size_t i = 0; i < sizeof(config->retry_status.bits) / sizeof(config->retry_status.bits[0]);
        i++)
        config->retry_status.bits[i] = fuzz_u64(in);
    /* Only 400..599 exist in a set status_set_parse builds. */
    size_t used_bits = STATUS_SET_LAST - STATUS_SET_FIRST + 1;
    config->retry_status.bits[used_bits / 64] &= ((uint64_t)1 << (used_bits % 64)) - 1;
}

static int take_curl_code(struct fuzz_input *in)
{
    static const int interesting[] = {
        CURLE_OK,
        CURLE_COULDNT_RESOLVE_HOST,
        CURLE_COULDNT_CONNECT,
        CURLE_OPERATION_TIMEDOUT,
        CURLE_SSL_CONNECT_ERROR,
        CURLE_GOT_NOTHING,
        CURLE_SEND_ERROR,
        CURLE_RECV_ERROR,
        CURLE_HTTP2_STREAM,
        CURLE_HTTP_RETURNED_ERROR,
        CURLE_WRITE_ERROR,
        CURLE_READ_ERROR,
        CURLE_ABORTED_BY_CALLBACK,
        CURLE_SEND_FAIL_REWIND,
        CURLE_PARTIAL_FILE,
    };
    uint8_t pick = fuzz_u8(in);
    size_t count = sizeof(interesting) / sizeof(interesting[0]);
    return pick < 200 ? interesting[pick % count] : (int)fuzz_u32(in);
}

static long take_status(struct fuzz_input *in)
{
    static const long interesting[] = {0, 200, 204, 301, 404, 408, 429, 500, 502, 503, 504};
    uint8_t pick = fuzz_u8(in);
    return pick < 128 ? interesting[pick % 11] : (long)fuzz_upto(in, 999);
}

static void take_result(struct fuzz_input *in, struct attempt_result *result)
{
    uint8_t flags = fuzz_u8(in);
    result->curl_code = take_curl_code(in);
    result->http_status = take_status(in);
    result->response_started = flags & 1;
    result->delivered = flags & 2;
    result->request_sent = flags & 4;
    result->idempotent = flags & 8;
    result->retry_after_ms = flags & 16 ? -1 : (long)fuzz_upto(in, RETRY_AFTER_SATURATED_MS);
}

/* min(base * 2^retry_index, cap), without the doubling ever overflowing. */
static long reference_ceiling(const struct tryagain_config *config, int retry_index)
{
    long ceiling = config->base_delay_ms;
    for(int i = 0; i < retry_index && ceiling < config->max_delay_ms; i++)
        ceiling = ceiling > config->max_delay_ms / 2 ? config->max_delay_ms : ceiling * 2;
    return ceiling < config->max_delay_ms ? ceiling : config->max_delay_ms;
}

static void check_backoff(const struct tryagain_config *config, int retry_index,
                          long previous_wait_ms, long wait_ms)
{
    long cap = config->max_delay_ms;
    long ceiling = reference_ceiling(config, retry_index);
    FUZZ_CHECK(wait_ms >= 0 && wait_ms <= cap);
    switch(config->jitter) {
    case JITTER_NONE:
        FUZZ_CHECK(wait_ms == ceiling);
        break;
    case JITTER_FULL:
        FUZZ_CHECK(wait_ms <= ceiling);
        break;
    case JITTER_EQUAL:
        FUZZ_CHECK(wait_ms >= ceiling / 2 && wait_ms <= ceiling);
        break;
    case JITTER_DECORRELATED: {
        long low = config->base_delay_ms < cap ? config->base_delay_ms : cap;
        FUZZ_CHECK(wait_ms >= low);
        if(previous_wait_ms >= low && previous_wait_ms <= cap / 3)
            FUZZ_CHECK(wait_ms <= 3 * previous_wait_ms);
        break;
    }
    }
}

static bool refused_by_program(int code)
{
    return code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK ||
           code == CURLE_READ_ERROR || code == CURLE_SEND_FAIL_REWIND;
}

static void check_plan(const struct tryagain_config *config, const struct attempt_result *result,
                       int attempt, long elapsed_ms, const struct retry_plan *plan)
{
    const char *text = policy_reason_text(plan->reason);
    FUZZ_CHECK(text && !fuzz_has_control_char(text, strlen(text)));
    FUZZ_CHECK(plan->retry == (plan->reason == PLAN_RETRY));
    /* The gate asks policy_outcome_retryable whether to hold a body: it must agree with the
       plan, differing only where the plan goes on to weigh the wait against the deadline. */
    enum plan_reason retryable = policy_outcome_retryable(config, result, attempt);
    if(retryable == PLAN_RETRY)
        FUZZ_CHECK(plan->reason == PLAN_RETRY || plan->reason == PLAN_DEADLINE);
    else
        FUZZ_CHECK(plan->reason == retryable);
    FUZZ_CHECK(!(plan->retry && policy_gives_up(plan->reason, result->curl_code != CURLE_OK)));
    if(!plan->retry)
        return;
    FUZZ_CHECK(attempt < config->max_attempts);
    FUZZ_CHECK(!result->delivered);
    FUZZ_CHECK(!refused_by_program(result->curl_code));
    bool retryable_status = status_set_contains(&config->retry_status, result->http_status);
    if(result->curl_code == CURLE_OK)
        FUZZ_CHECK(retryable_status);
    bool server_may_have_acted = !result->idempotent && result->request_sent &&
                                 result->http_status != 429 && result->http_status != 503;
    FUZZ_CHECK(policy_status_declined(result->http_status) ==
               (result->http_status == 429 || result->http_status == 503));
    if(server_may_have_acted)
        FUZZ_CHECK(config->retry_unsafe);
    if(config->deadline_ms > 0)
        FUZZ_CHECK(elapsed_ms + plan->wait_ms <= config->deadline_ms);
    FUZZ_CHECK(plan->wait_ms >= 0);
    if(plan->wait_reason == WAIT_RETRY_AFTER) {
        long asked = result->retry_after_ms;
        FUZZ_CHECK(asked >= 0 && asked <= config->max_retry_after_ms);
        FUZZ_CHECK(result->http_status == 429 || result->http_status == 503);
        FUZZ_CHECK(plan->wait_ms >= asked && plan->wait_ms <= asked + asked / 10);
        if(config->jitter == JITTER_NONE)
            FUZZ_CHECK(plan->wait_ms == asked);
    }
    else {
        check_backoff(config, attempt - 1, -1, plan->wait_ms);
    }
}

static void check_method(struct fuzz_input *in)
{
    static const char *const idempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    const uint8_t *bytes;
    size_t length = fuzz_bytes(in, 12, &bytes);
    char method[16];
    memcpy(method, bytes, length);
    method[length] = '\0';
    bool expected = false;
    for(size_t i = 0; i < 6; i++)
        expected = expected || !strcasecmp(method, idempotent[i]);
    FUZZ_CHECK(policy_method_idempotent(method) == expected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    static struct tryagain_config config;
    take_config(&in, &config);
    check_method(&in);

    /* A whole perform: attempts in order, each wait feeding the next (decorrelated jitter). */
    long elapsed_ms = (long)fuzz_upto(&in, 1000);
    long previous_wait_ms = 0;
    for(int attempt = 1; attempt <= config.max_attempts + 1 && !fuzz_empty(&in); attempt++) {
        struct attempt_result result;
        take_result(&in, &result);
        uint64_t random = fuzz_u64(&in);
        struct retry_plan plan =
            policy_plan(&config, &result, attempt, elapsed_ms, previous_wait_ms, random);
        check_plan(&config, &result, attempt, elapsed_ms, &plan);

        long backoff = policy_backoff_ms(&config, attempt - 1, previous_wait_ms, random);
        check_backoff(&config, attempt - 1, previous_wait_ms, backoff);

        /* connect(): a time budget, never a count; the last poll lands on its end. */
        enum connect_wait wait = fuzz_bool(&in) ? CONNECT_WAIT_LISTED : CONNECT_WAIT_ANY;
        long budget = connect_wait_budget_ms(&config, wait);
        struct retry_plan connect_plan = connect_wait_plan(&config, wait, elapsed_ms, random);
        FUZZ_CHECK(connect_plan.retry == (elapsed_ms < budget));
        if(connect_plan.retry) {
            FUZZ_CHECK(connect_plan.wait_ms >= 0 && connect_plan.wait_ms <= 50 + elapsed_ms / 10);
            FUZZ_CHECK(elapsed_ms + connect_plan.wait_ms <= budget);
            FUZZ_CHECK(connect_plan.wait_ms > 0);
        }
        else {
            FUZZ_CHECK(connect_plan.reason == PLAN_WAIT_OVER ||
                       connect_plan.reason == PLAN_DEADLINE);
        }
        policy_transient_curl_code(result.curl_code);
        policy_safe_to_repeat(&result);

        if(plan.retry) {
            previous_wait_ms = plan.wait_ms;
            elapsed_ms += plan.wait_ms + (long)fuzz_upto(&in, 60000);
        }
    }
    return 0;
}
