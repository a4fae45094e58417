/* The real handle calls the gate for every header line and body chunk, and read_through for
   every upload read; the program's own callbacks are called from there. They are installed on
   a handle's first retried perform and stay, so the success path costs no extra setopt calls;
   outside a retried perform the gate simply passes everything through. */
#include "curl/transfer.h"

#include <stdio.h>
#include <time.h>

#include "runtime/clock.h"
#include "curl/gate.h"
#include "policy/host_patterns.h"
#include "policy/log_format.h"
#include "policy/retry_plan.h"
#include "policy/retry_after.h"
#include "policy/status_set.h"
#include "runtime/runtime.h"
#include "policy/url.h"

/* An error response larger than this is handed to the program instead of being held for a
   possible retry: holding it whole would cost the program memory it never asked for. */
#define HOLD_LIMIT (1024 * 1024)

bool transfer_applies(const struct handle_state *state, const struct tryagain_config *config)
{
    struct url_parts url;
    if(!state->url || !url_split(state->url, &url) || !url_is_http(&url))
        return false;
    return host_patterns_match(&config->hosts, url.host, url.host_len);
}

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

/* libcurl's default reader is fread() from CURLOPT_READDATA, itself stdin by default. */
static FILE *default_reader_file(const struct handle_state *state)
{
    return state->read_data_set ? (FILE *)state->read_data : stdin;
}

static size_t read_through(char *buffer, size_t size, size_t count, void *userdata)
{
    struct handle_state *state = userdata;
    if(!state->read_fn && state->attempt == 1 && state->upload_bytes_read == 0)
        state->upload_start_offset = ftell(default_reader_file(state)); /* -1 for a pipe */
    size_t got = state->read_fn ? state->read_fn(buffer, size, count, state->read_data)
                                : fread(buffer, size, count, default_reader_file(state));
    if(got != CURL_READFUNC_ABORT && got != CURL_READFUNC_PAUSE)
        state->upload_bytes_read += (long long)got;
    return got;
}

/* libcurl seeks for its own rewinds (redirects, auth) and resumed uploads; it keeps working
   with read_through in place of the program's reader. */
static int seek_through(void *userdata, curl_off_t offset, int origin)
{
    struct handle_state *state = userdata;
    if(state->seek_fn)
        return state->seek_fn(state->seek_data, offset, origin);
    if(!state->read_fn)
        return fseek(default_reader_file(state), (long)offset, origin) ? CURL_SEEKFUNC_CANTSEEK
                                                                       : CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_CANTSEEK;
}

static void point_callbacks_at(const struct real_curl *real, CURL *handle,
                               struct handle_state *state)
{
    real->easy_setopt(handle, CURLOPT_WRITEDATA, (void *)state);
    real->easy_setopt(handle, CURLOPT_HEADERDATA, (void *)state);
    if(state->read_hook_installed)
        real->easy_setopt(handle, CURLOPT_READDATA, (void *)state);
    if(state->seek_hook_installed)
        real->easy_setopt(handle, CURLOPT_SEEKDATA, (void *)state);
}

static void install_callbacks(const struct real_curl *real, CURL *handle,
                              struct handle_state *state)
{
    real->easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    real->easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    /* The gate emulates CURLOPT_HEADER, so header lines never reach on_body as body bytes. */
    real->easy_setopt(handle, CURLOPT_HEADER, 0L);
    state->callbacks_installed = true;
    point_callbacks_at(real, handle, state);
}

/* read_through stands in for the program's reader, except for a form post: libcurl calls the
   read callback of a CURLFORM_STREAM part with that part's own pointer, which read_through
   could not tell from its state. seek_through stands in only where it can seek as libcurl
   would; with a read callback but no seek callback, libcurl's own fallback (the program's
   CURLOPT_IOCTLFUNCTION) stays in charge. Changes only when the program's settings change. */
static void match_upload_hooks(const struct real_curl *real, CURL *handle,
                               struct handle_state *state)
{
    bool want_read = !state->formpost;
    bool want_seek = want_read && (state->seek_fn || !state->read_fn);
    if(want_read != state->read_hook_installed) {
        void *program_data = state->read_data_set ? state->read_data : (void *)stdin;
        real->easy_setopt(handle, CURLOPT_READFUNCTION, want_read ? read_through : state->read_fn);
        real->easy_setopt(handle, CURLOPT_READDATA, want_read ? (void *)state : program_data);
        state->read_hook_installed = want_read;
    }
    if(want_seek != state->seek_hook_installed) {
        real->easy_setopt(handle, CURLOPT_SEEKFUNCTION, want_seek ? seek_through : state->seek_fn);
        real->easy_setopt(handle, CURLOPT_SEEKDATA, want_seek ? (void *)state : state->seek_data);
        state->seek_hook_installed = want_seek;
    }
}

void transfer_adopt_duplicate(const struct real_curl *real, CURL *handle,
                              struct handle_state *state)
{
    state->in_perform = false;
    if(state->callbacks_installed)
        point_callbacks_at(real, handle, state);
}

/* Hold the body only when this response could still be retried; otherwise it streams, and
   the program's callbacks run inside libcurl's transfer, where a pause works as usual. */
static bool may_hold(void *ctx, long status)
{
    const struct handle_state *state = ctx;
    const struct tryagain_config *config = runtime_config();
    if(!status_set_contains(&config->retry_status, status) ||
       state->attempt >= config->max_attempts)
        return false;
    if(!state->idempotent && !config->retry_unsafe && status != 429 && status != 503)
        return false;
    long wait_ms;
    bool server_named_wait =
        (status == 429 || status == 503) && state->gate.retry_after_length &&
        retry_after_parse(state->gate.retry_after, state->gate.retry_after_length, time(NULL),
                          &wait_ms);
    return !server_named_wait || wait_ms <= config->max_retry_after_ms;
}

/* A completed transfer's status is the last status line the gate saw; libcurl is asked only
   about failures, so the success path costs no getinfo calls. */
static struct attempt_result describe_attempt(const struct real_curl *real, CURL *handle,
                                              const struct handle_state *state, CURLcode code,
                                              bool idempotent)
{
    struct attempt_result result = {0};
    result.curl_code = code;
    result.http_status = state->gate.status;
    result.response_started = state->gate.header_bytes > 0 || state->gate.body_started;
    result.delivered = state->gate.released;
    result.request_sent = true; /* a response arrived, so the request went out */
    result.idempotent = idempotent;
    result.retry_after_ms = -1;
    if(code != CURLE_OK) {
        long status = 0;
        long request_size = 0;
        real->easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        real->easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_size);
        result.http_status = status;
        result.request_sent = request_size > 0;
    }
    long wait_ms;
    if(state->gate.retry_after_length &&
       retry_after_parse(state->gate.retry_after, state->gate.retry_after_length, time(NULL),
                         &wait_ms))
        result.retry_after_ms = wait_ms;
    return result;
}

/* Puts the upload source back at its start for the next attempt. */
static bool rewind_upload(struct handle_state *state, bool request_sent)
{
    if(!state->read_hook_installed) /* a form post: libcurl builds it anew from its parts */
        return !state->formpost_streams || !request_sent;
    if(state->upload_bytes_read == 0)
        return true; /* nothing was consumed */
    if(state->seek_fn)
        return state->seek_fn(state->seek_data, 0, SEEK_SET) == CURL_SEEKFUNC_OK;
    if(!state->read_fn && state->upload_start_offset >= 0)
        return fseek(default_reader_file(state), state->upload_start_offset, SEEK_SET) == 0;
    return false;
}

static bool is_give_up(enum plan_reason reason, CURLcode code)
{
    switch(reason) {
    case PLAN_EXHAUSTED:
    case PLAN_RETRY_AFTER_TOO_LONG:
    case PLAN_DEADLINE:
    case PLAN_NOT_REWINDABLE:
    case PLAN_INTERRUPTED:
    case PLAN_UNSAFE:
        return true;
    case PLAN_DELIVERED:
        return code != CURLE_OK;
    default:
        return false;
    }
}

static void log_attempt(const struct real_curl *real, const struct handle_state *state,
                        const struct tryagain_config *config, const struct attempt_result *result,
                        const struct retry_plan *plan, int attempt)
{
    enum log_event_kind kind = plan->retry                                   ? EVENT_RETRY
                               : is_give_up(plan->reason, result->curl_code) ? EVENT_GIVE_UP
                                                                             : EVENT_DONE;
    if(!runtime_log_wanted(kind))
        return;
    struct log_event event = {
        .kind = kind,
        .method = handles_method(state),
        .target = state->url ? state->url : "(no URL)", /* a callback may have unset it */
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
    runtime_log(&event);
}

CURLcode transfer_perform(const struct real_curl *real, CURL *handle, struct handle_state *state,
                          const struct tryagain_config *config)
{
    if(!state->callbacks_installed)
        install_callbacks(real, handle, state);
    match_upload_hooks(real, handle, state);
    /* The clock is read only when a deadline needs it. */
    long long started = config->deadline_ms ? clock_now_ms() : 0;
    state->upload_start_offset = -1; /* read_through notes it before the first read */
    state->idempotent = policy_method_idempotent(handles_method(state));
    state->in_perform = true;
    long previous_wait = 0;
    long long waited = 0;
    runtime_in_transfer++;
    for(int attempt = 1;; attempt++) {
        state->attempt = attempt;
        state->upload_bytes_read = 0;
        gate_begin_attempt(&state->gate, may_hold, state, HOLD_LIMIT);
        CURLcode code = real->easy_perform(handle);
        struct attempt_result result =
            describe_attempt(real, handle, state, code, state->idempotent);
        long elapsed = config->deadline_ms ? (long)(clock_now_ms() - started) : 0;
        struct retry_plan plan =
            policy_plan(config, &result, attempt, elapsed, previous_wait, clock_random());
        if(plan.retry && !rewind_upload(state, result.request_sent)) {
            plan.retry = false;
            plan.reason = PLAN_NOT_REWINDABLE;
        }
        log_attempt(real, state, config, &result, &plan, attempt);
        if(plan.retry) {
            long long wait_started = clock_now_ms();
            bool slept = clock_sleep_ms(plan.wait_ms);
            waited += clock_now_ms() - wait_started;
            if(slept) {
                gate_discard(&state->gate);
                previous_wait = plan.wait_ms;
                continue;
            }
            plan.retry = false;
            plan.reason = PLAN_INTERRUPTED;
            log_attempt(real, state, config, &result, &plan, attempt);
        }
        /* Final: the program gets this attempt's response whole. */
        if(!gate_release(&state->gate) && code == CURLE_OK)
            code = CURLE_WRITE_ERROR;
        runtime_in_transfer--;
        state->in_perform = false;
        bool gave_up = is_give_up(plan.reason, code);
        runtime_count_call(STATS_TRANSFER, attempt, attempt > 1 && !gave_up, gave_up, waited);
        return code;
    }
}
