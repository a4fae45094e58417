/* The real handle calls the gate for every header line and body chunk, and the library's
   reader for every upload read; the program's own callbacks are called from there. The gate's
   are installed when the program first sets a write-side callback option (or at the first
   retried perform) and stay, so the success path costs hardly any extra setopt calls; outside
   a retried perform the gate simply passes everything through. */
#include "curl/transfer.h"

#include <stdio.h>
#include <time.h>

#include "curl/coordination.h"
#include "curl/gate.h"
#include "curl/practices.h"
#include "curl/upload.h"
#include "policy/log_format.h"
#include "policy/request.h"
#include "policy/retry_after.h"
#include "policy/retry_plan.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/settings.h"
#include "runtime/stats.h"

/* An error response larger than this is handed to the program instead of being held for a
   possible retry: holding it whole would cost the program memory it never asked for. */
#define HOLD_LIMIT (1024 * 1024)

static size_t on_header(char *data, size_t size, size_t count, void *userdata)
{
    struct handle_state *state = userdata;
    return gate_header(&state->gate, data, size * count);
}

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
    struct handle_state *state = userdata;
    return gate_body(&state->gate, data, size * count);
}

static void point_callbacks_at(const struct real_curl *real, CURL *handle,
                               struct handle_state *state)
{
    real->easy_setopt(handle, CURLOPT_WRITEDATA, (void *)state);
    real->easy_setopt(handle, CURLOPT_HEADERDATA, (void *)state);
    if(state->installed.reader)
        real->easy_setopt(handle, CURLOPT_READDATA, (void *)state);
    if(state->installed.seeker)
        real->easy_setopt(handle, CURLOPT_SEEKDATA, (void *)state);
}

void transfer_install_callbacks(const struct real_curl *real, CURL *handle,
                                struct handle_state *state)
{
    real->easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    real->easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    state->installed.callbacks = true;
    point_callbacks_at(real, handle, state);
}

void transfer_adopt_duplicate(const struct real_curl *real, CURL *handle,
                              struct handle_state *state)
{
    if(state->installed.callbacks)
        point_callbacks_at(real, handle, state);
}

static long retry_after_ms(const struct gate *gate)
{
    long wait_ms;
    if(gate->retry_after_length &&
       retry_after_parse(gate->retry_after, gate->retry_after_length, time(NULL), &wait_ms))
        return wait_ms;
    return -1;
}

/* Hold the body only when this response could still be retried; otherwise it streams, and
   the program's callbacks run inside libcurl's transfer, where a pause works as usual. The
   policy decides, from the response as far as it has arrived. */
static bool may_hold(void *ctx, long status)
{
    const struct handle_state *state = ctx;
    struct attempt_result so_far = {
        .curl_code = CURLE_OK,
        .http_status = status,
        .response_started = true,
        .request_sent = true,
        .idempotent = state->call.idempotent,
        .retry_after_ms = retry_after_ms(&state->gate),
    };
    const struct tryagain_config *config = runtime_config();
    enum plan_reason reason = policy_outcome_retryable(config, &so_far, state->call.attempt);
    return reason == PLAN_RETRY || practices_may_fall_back(state, config, reason);
}

/* Only a tunnel through a proxy (https:// through one, or CURLOPT_HTTPPROXYTUNNEL) puts a
   CONNECT reply, a 200 of the proxy's, before the response: without one, the first 2xx status
   line is the response's own. Only a URL that says http:// is known not to tunnel: one without
   a scheme takes CURLOPT_DEFAULT_PROTOCOL's, which may be https. */
static bool no_connect_reply_first(const struct program_settings *program)
{
    return !program->proxy_tunnel && program->url_says_http;
}

/* A completed transfer's status is the last status line the gate saw; libcurl is asked only
   about failures, so the success path costs no getinfo calls. */
static struct attempt_result describe_attempt(const struct real_curl *real, CURL *handle,
                                              const struct handle_state *state, CURLcode code)
{
    struct attempt_result result = {0};
    result.curl_code = code;
    result.http_status = state->gate.status;
    result.response_started = state->gate.header_bytes > 0 || state->gate.body_started;
    result.delivered = state->gate.released;
    result.request_sent = true; /* a response arrived, so the request went out */
    result.idempotent = state->call.idempotent;
    result.retry_after_ms = retry_after_ms(&state->gate);
    if(code != CURLE_OK) {
        long status = 0;
        long request_size = 0;
        real->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        real->easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_size);
        result.http_status = status;
        result.request_sent = request_size > 0;
    }
    return result;
}

static void log_attempt(const struct real_curl *real, const struct handle_state *state,
                        const struct tryagain_config *config, const struct attempt_result *result,
                        const struct retry_plan *plan, int attempt)
{
    enum log_event_kind kind = plan->retry ? EVENT_RETRY
                               : policy_gives_up(plan->reason, result->curl_code != CURLE_OK)
                                   ? EVENT_GIVE_UP
                                   : EVENT_DONE;
    if(!runtime_log_wanted(kind) && !(state->call.practice.fallback_url && config->log_level >= 1))
        return;
    const char *url = state->program.url;
    struct log_event event = {
        .kind = kind,
        .method = request_method(&state->program.request),
        .target = url ? url : "(no URL)", /* a callback may have unset it */
        .http_status = result->http_status,
        .error = result->curl_code != CURLE_OK && result->http_status == 0
                     ? real->easy_strerror((CURLcode)result->curl_code)
                     : NULL,
        .attempt = attempt,
        .max_attempts = (int)config->max_attempts,
        .wait_ms = plan->wait_ms,
        .wait_reason = plan->wait_reason,
        .outcome = policy_reason_text(plan->reason),
    };
    practices_log_fields(state, &event);
    runtime_log(&event);
}

void transfer_begin(const struct real_curl *real, CURL *handle, struct handle_state *state,
                    const struct tryagain_config *config)
{
    if(!state->installed.callbacks)
        transfer_install_callbacks(real, handle, state);
    /* The gate emulates CURLOPT_HEADER during the call, so header lines never reach on_body
       as body bytes, and a retried response's never reach the program. */
    if(state->program.include_headers && !state->call.header_taken &&
       real->easy_setopt(handle, CURLOPT_HEADER, 0L) == CURLE_OK)
        state->call.header_taken = true;
    upload_match_hooks(real, handle, state);
    struct call_state *call = &state->call;
    call->upload_start_offset = -1; /* the reader notes it before the first read */
    call->idempotent =
        practices_begin(real, handle, state, config,
                        policy_method_idempotent(request_method(&state->program.request)));
    call->in_perform = true;
    /* The clock is read only when a deadline needs it. */
    call->started_ms = config->deadline_ms ? clock_now_ms() : 0;
    call->previous_wait_ms = 0;
    call->waited_ms = 0;
    call->attempt = 1;
    call->upload_bytes_read = 0;
    gate_decide_at_status_line(&state->gate, no_connect_reply_first(&state->program));
    gate_skip_request_ids(&state->gate, config->log_level < 1);
    gate_begin_attempt(&state->gate, may_hold, state, HOLD_LIMIT);
    coordination_begin(state, config);
}

struct retry_plan transfer_judge(const struct real_curl *real, CURL *handle,
                                 struct handle_state *state, const struct tryagain_config *config,
                                 CURLcode code)
{
    struct call_state *call = &state->call;
    call->last = describe_attempt(real, handle, state, code);
    long elapsed = config->deadline_ms ? (long)(clock_now_ms() - call->started_ms) : 0;
    struct retry_plan plan = policy_plan(config, &call->last, call->attempt, elapsed,
                                         call->previous_wait_ms, clock_random());
    practices_judged(state, config, &plan);
    coordination_judge(state, config, &plan, elapsed);
    if(plan.retry && !upload_rewind(state, call->last.request_sent)) {
        plan.retry = false;
        plan.reason = PLAN_NOT_REWINDABLE;
    }
    transfer_log(real, state, config, &plan);
    return plan;
}

void transfer_log(const struct real_curl *real, const struct handle_state *state,
                  const struct tryagain_config *config, const struct retry_plan *plan)
{
    log_attempt(real, state, config, &state->call.last, plan, state->call.attempt);
}

void transfer_next_attempt(struct handle_state *state, long waited_for_ms)
{
    struct call_state *call = &state->call;
    gate_discard(&state->gate);
    call->previous_wait_ms = waited_for_ms;
    call->attempt++;
    call->upload_bytes_read = 0;
    practices_next_attempt(state);
    gate_begin_attempt(&state->gate, may_hold, state, HOLD_LIMIT);
}

CURLcode transfer_finish(struct handle_state *state, CURLcode code, const struct retry_plan *plan)
{
    /* The program gets this attempt's response whole. */
    if(!gate_release(&state->gate) && code == CURLE_OK)
        code = CURLE_WRITE_ERROR;
    struct call_state *call = &state->call;
    call->in_perform = false;
    transfer_give_back(state);
    coordination_finish(state);
    bool gave_up = policy_gives_up(plan->reason, code != CURLE_OK);
    runtime_count_call(STATS_TRANSFER, call->attempt, call->attempt > 1 && !gave_up, gave_up,
                       call->waited_ms);
    return code;
}

void transfer_give_back(struct handle_state *state)
{
    const struct real_curl *real = state->call.practice.real;
    if(real && state->call.header_taken)
        real->easy_setopt(state->handle, CURLOPT_HEADER, state->program.include_headers ? 1L : 0L);
    state->call.header_taken = false;
    practices_finish(state);
}

/* The wait before the next attempt; false (and the plan says why) when a signal ended it. */
static bool wait_for_retry(struct retry_plan *plan, long long *waited)
{
    long long wait_started = clock_now_ms();
    bool slept = clock_sleep_ms(plan->wait_ms);
    *waited += clock_now_ms() - wait_started;
    if(!slept) {
        plan->retry = false;
        plan->reason = PLAN_INTERRUPTED;
    }
    return slept;
}

/* Before an attempt to a host that throttled: its shared pacing slot. A signal during this
   wait is no reason to withhold the program's attempt: it simply goes now. */
static void wait_for_pacing_slot(struct handle_state *state)
{
    long wait_ms;
    while((wait_ms = coordination_pace_ms(state)) > 0) {
        long long wait_started = clock_now_ms();
        bool slept = clock_sleep_ms(wait_ms);
        state->call.waited_ms += clock_now_ms() - wait_started;
        if(!slept)
            return;
    }
}

CURLcode transfer_perform(const struct real_curl *real, CURL *handle, struct handle_state *state,
                          const struct tryagain_config *config)
{
    transfer_begin(real, handle, state, config);
    runtime_in_transfer++;
    for(;;) {
        wait_for_pacing_slot(state);
        CURLcode code = real->easy_perform(handle);
        struct retry_plan plan = transfer_judge(real, handle, state, config, code);
        if(plan.retry) {
            if(wait_for_retry(&plan, &state->call.waited_ms)) {
                transfer_next_attempt(state, plan.wait_ms);
                continue;
            }
            transfer_log(real, state, config, &plan);
        }
        runtime_in_transfer--;
        return transfer_finish(state, code, &plan);
    }
}
