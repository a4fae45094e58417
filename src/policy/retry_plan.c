#include "policy/retry_plan.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "policy/status_set.h"

bool policy_transient_curl_code(int curl_code)
{
    switch(curl_code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* A callback of the program said stop, or the program's own data failed: never ours to repeat. */
static bool program_refused(int curl_code)
{
    return curl_code == CURLE_WRITE_ERROR || curl_code == CURLE_ABORTED_BY_CALLBACK ||
           curl_code == CURLE_READ_ERROR || curl_code == CURLE_SEND_FAIL_REWIND;
}

bool policy_method_idempotent(const char *method)
{
    static const char *const idempotent[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    if(method[0] == 'G' && method[1] == 'E' && method[2] == 'T' && !method[3])
        return true; /* most calls, asked on every one: no string compares */
    for(size_t i = 0; i < sizeof(idempotent) / sizeof(idempotent[0]); i++) {
        if(!strcasecmp(method, idempotent[i]))
            return true;
    }
    return false;
}

bool policy_status_declined(long status)
{
    return status == 429 || status == 503;
}

bool policy_safe_to_repeat(const struct attempt_result *result)
{
    if(result->idempotent || !result->request_sent)
        return true;
    return policy_status_declined(result->http_status);
}

static bool status_decides(const struct attempt_result *result)
{
    return result->http_status > 0 &&
           (result->curl_code == CURLE_OK || result->curl_code == CURLE_HTTP_RETURNED_ERROR);
}

/* PLAN_RETRY when the outcome is a transient failure that is safe to repeat, otherwise why not.
   Whether the program already has part of the response is judged later, by policy_plan. */
static enum plan_reason classify(const struct tryagain_config *config,
                                 const struct attempt_result *result)
{
    if(program_refused(result->curl_code))
        return PLAN_NOT_TRANSIENT;
    /* A retryable status decides, even for a transfer cut short after the status line. */
    if(!status_set_contains(&config->retry_status, result->http_status)) {
        if(status_decides(result) || result->curl_code == CURLE_OK) {
            bool failed = result->curl_code != CURLE_OK || result->http_status >= 400;
            return failed ? PLAN_NOT_TRANSIENT : PLAN_SUCCEEDED;
        }
        if(!policy_transient_curl_code(result->curl_code))
            return PLAN_NOT_TRANSIENT;
        if(result->response_started)
            return result->delivered ? PLAN_DELIVERED : PLAN_NOT_TRANSIENT;
    }
    if(!config->retry_unsafe && !policy_safe_to_repeat(result))
        return PLAN_UNSAFE;
    return PLAN_RETRY;
}

static uint64_t uniform_upto(uint64_t random, uint64_t limit)
{
    return limit == UINT64_MAX ? random : random % (limit + 1);
}

long policy_backoff_ms(const struct tryagain_config *config, int retry_index, long previous_wait_ms,
                       uint64_t random)
{
    long cap = config->max_delay_ms;
    long ceiling = config->base_delay_ms;
    for(int i = 0; i < retry_index && ceiling < cap; i++)
        ceiling *= 2; /* stops doubling at the cap, so no overflow */
    if(ceiling > cap)
        ceiling = cap;
    switch(config->jitter) {
    case JITTER_NONE:
        return ceiling;
    case JITTER_FULL:
        return (long)uniform_upto(random, (uint64_t)ceiling);
    case JITTER_EQUAL:
        return ceiling / 2 + (long)uniform_upto(random, (uint64_t)(ceiling - ceiling / 2));
    case JITTER_DECORRELATED: {
        /* AWS "decorrelated jitter": uniform between base and three times the last wait. */
        long low = config->base_delay_ms < cap ? config->base_delay_ms : cap;
        long previous = previous_wait_ms > low ? previous_wait_ms : low;
        long high = previous > cap / 3 ? cap : previous * 3;
        if(high < low)
            high = low;
        return low + (long)uniform_upto(random, (uint64_t)(high - low));
    }
    }
    return ceiling;
}

/* The server's word sets the wait; with jitter on, up to a tenth more (never less), so that
   clients told the same Retry-After do not all return in the same millisecond. */
static long retry_after_wait(const struct tryagain_config *config, long retry_after_ms,
                             uint64_t random)
{
    if(config->jitter == JITTER_NONE)
        return retry_after_ms;
    return retry_after_ms + (long)uniform_upto(random, (uint64_t)(retry_after_ms / 10));
}

/* The last word on a wait: no retry starts whose wait would end past the deadline. */
static struct retry_plan within_deadline(const struct tryagain_config *config,
                                         struct retry_plan plan, long elapsed_ms)
{
    if(config->deadline_ms > 0 && elapsed_ms + plan.wait_ms > config->deadline_ms) {
        plan.reason = PLAN_DEADLINE;
        return plan;
    }
    plan.retry = true;
    return plan;
}

struct retry_plan policy_plan_backoff(const struct tryagain_config *config, int attempt,
                                      long elapsed_ms, long previous_wait_ms, uint64_t random)
{
    struct retry_plan plan = {false, PLAN_RETRY, 0, WAIT_BACKOFF};
    if(attempt >= config->max_attempts) {
        plan.reason = PLAN_EXHAUSTED;
        return plan;
    }
    plan.wait_ms = policy_backoff_ms(config, attempt - 1, previous_wait_ms, random);
    return within_deadline(config, plan, elapsed_ms);
}

static bool server_named_wait(const struct attempt_result *result)
{
    return result->retry_after_ms >= 0 && policy_status_declined(result->http_status);
}

enum plan_reason policy_outcome_retryable(const struct tryagain_config *config,
                                          const struct attempt_result *result, int attempt)
{
    enum plan_reason reason = classify(config, result);
    if(reason != PLAN_RETRY)
        return reason;
    if(attempt >= config->max_attempts)
        return PLAN_EXHAUSTED;
    if(server_named_wait(result) && result->retry_after_ms > config->max_retry_after_ms)
        return PLAN_RETRY_AFTER_TOO_LONG;
    if(result->delivered)
        return PLAN_DELIVERED; /* e.g. an error page too large to hold */
    return PLAN_RETRY;
}

struct retry_plan policy_plan(const struct tryagain_config *config,
                              const struct attempt_result *result, int attempt, long elapsed_ms,
                              long previous_wait_ms, uint64_t random)
{
    struct retry_plan plan = {false, policy_outcome_retryable(config, result, attempt), 0,
                              WAIT_BACKOFF};
    if(plan.reason == PLAN_RETRY_AFTER_TOO_LONG) {
        plan.wait_ms = result->retry_after_ms;
        plan.wait_reason = WAIT_RETRY_AFTER;
    }
    if(plan.reason != PLAN_RETRY)
        return plan;
    if(!server_named_wait(result))
        return policy_plan_backoff(config, attempt, elapsed_ms, previous_wait_ms, random);
    plan.wait_reason = WAIT_RETRY_AFTER;
    plan.wait_ms = retry_after_wait(config, result->retry_after_ms, random);
    return within_deadline(config, plan, elapsed_ms);
}

bool policy_gives_up(enum plan_reason reason, bool failed)
{
    switch(reason) {
    case PLAN_EXHAUSTED:
    case PLAN_RETRY_AFTER_TOO_LONG:
    case PLAN_DEADLINE:
    case PLAN_NOT_REWINDABLE:
    case PLAN_INTERRUPTED:
    case PLAN_UNSAFE:
    case PLAN_WAIT_OVER:
    case PLAN_BUDGET_SPENT:
    case PLAN_CIRCUIT_OPEN:
        return true;
    case PLAN_DELIVERED:
        return failed;
    case PLAN_RETRY:
    case PLAN_SUCCEEDED:
    case PLAN_NOT_TRANSIENT:
        break;
    }
    return false;
}

long policy_sooner_timeout(long a_ms, long b_ms)
{
    if(a_ms < 0)
        return b_ms < 0 ? -1 : b_ms;
    if(b_ms < 0)
        return a_ms;
    return a_ms < b_ms ? a_ms : b_ms;
}

const char *policy_reason_text(enum plan_reason reason)
{
    switch(reason) {
    case PLAN_RETRY:
        return "retrying";
    case PLAN_SUCCEEDED:
        return "done";
    case PLAN_NOT_TRANSIENT:
        return "not retried: not a transient failure";
    case PLAN_DELIVERED:
        return "not retried: part of the response already reached the program";
    case PLAN_UNSAFE:
        return "not retried: the request is not idempotent and the server may have acted on it"
               " (TRYAGAIN_RETRY_UNSAFE=1 retries it)";
    case PLAN_EXHAUSTED:
        return "giving up: attempts exhausted";
    case PLAN_RETRY_AFTER_TOO_LONG:
        return "giving up: Retry-After is beyond TRYAGAIN_MAX_RETRY_AFTER_MS";
    case PLAN_DEADLINE:
        return "giving up: the wait would pass TRYAGAIN_DEADLINE_MS";
    case PLAN_NOT_REWINDABLE:
        return "not retried: the upload cannot be rewound to its start";
    case PLAN_INTERRUPTED:
        return "giving up: a signal interrupted the wait";
    case PLAN_WAIT_OVER:
        return "giving up: the wait for the server is over";
    case PLAN_BUDGET_SPENT:
        return "giving up: the host's retry budget, shared by this user's processes, is spent";
    case PLAN_CIRCUIT_OPEN:
        return "giving up: the host is failing for every process (circuit open)";
    }
    return "?";
}
