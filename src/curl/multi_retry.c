#include "curl/multi_retry.h"

#include "curl/coordination.h"
#include "curl/gate.h"
#include "curl/transfer.h"
#include "policy/retry_plan.h"
#include "runtime/clock.h"

static void wait_until(struct call_state *call, long wait_ms)
{
    call->retry_due_ms = clock_now_ms() + wait_ms;
    call->waited_ms += wait_ms;
}

/* A host that throttled paces first attempts too: the transfer waits out of the real multi,
   like a retry, and goes when its slot comes (never a blocking wait here). */
static void wait_for_first_slot(const struct real_curl *real, struct multi_state *multi,
                                struct handle_state *state)
{
    long wait_ms = coordination_pace_ms(state);
    if(wait_ms <= 0 || real->multi_remove_handle(multi->multi, state->handle) != CURLM_OK)
        return;
    multi->real_running--;
    state->call.waiting = true;
    state->call.coord.first_paced = true;
    state->call.retry_wait_ms = 0;
    wait_until(&state->call, wait_ms);
    multi->waiting_count++;
}

/* A retry whose own wait (a Retry-After, a floor) is over takes its host's next slot, and a
   slot taken before the host's spacing grew is taken again: true when the slot is still
   ahead, and the transfer waits on. */
static bool wait_for_retry_slot(struct handle_state *state)
{
    long wait_ms = coordination_pace_ms(state);
    if(wait_ms <= 0)
        return false;
    wait_until(&state->call, wait_ms);
    return true;
}

void multi_retry_begin(const struct real_curl *real, struct multi_state *multi, CURL *handle,
                       struct handle_state *state, const struct tryagain_config *config)
{
    if(!multis_track(multi, state))
        return; /* out of memory: this transfer is simply not retried */
    transfer_begin(real, handle, state, config);
    state->call.multi = multi;
    state->call.waiting = false;
    wait_for_first_slot(real, multi, state);
}

/* The transfer's call is over: the program gets this completion, now or after the others. */
static void finish(struct multi_state *multi, struct handle_state *state, CURLcode code,
                   const struct retry_plan *plan)
{
    CURLMsg done = {0};
    done.msg = CURLMSG_DONE;
    done.easy_handle = state->handle;
    multi->in_program_callback = true; /* the held response goes to the program's callbacks */
    done.data.result = transfer_finish(state, code, plan);
    multi->in_program_callback = false;
    multis_enqueue(multi, &done);
}

void multi_retry_start_waiting(const struct real_curl *real, struct multi_state *multi)
{
    long long now = clock_now_ms();
    for(size_t i = 0; i < multi->tracked_count; i++) {
        struct handle_state *state = multi->tracked[i];
        struct call_state *call = &state->call;
        if(!call->waiting || call->retry_due_ms > now || wait_for_retry_slot(state))
            continue;
        /* Adding starts nothing at once (libcurl only sets a timer), so the next attempt's
           state is ready before any of its data arrives. */
        CURLMcode added = real->multi_add_handle(multi->multi, state->handle);
        if(added == CURLM_RECURSIVE_API_CALL)
            continue; /* inside one of libcurl's callbacks: at the program's next call */
        call->waiting = false;
        multi->waiting_count--;
        if(added == CURLM_OK && call->coord.first_paced) {
            call->coord.first_paced = false; /* the first attempt, now in its slot */
            multi->real_running++;
            continue;
        }
        if(added == CURLM_OK) {
            transfer_next_attempt(state, call->retry_wait_ms);
            multi->real_running++;
            continue;
        }
        /* The retry cannot be started: the last attempt is the final one. */
        struct retry_plan plan = {false, PLAN_EXHAUSTED, 0, WAIT_BACKOFF};
        finish(multi, state, (CURLcode)call->last.curl_code, &plan);
    }
}

/* The multi's retried transfer whose completion this is, or NULL. */
static struct handle_state *active_transfer(const struct multi_state *multi, const void *handle)
{
    for(size_t i = 0; i < multi->tracked_count; i++) {
        struct handle_state *state = multi->tracked[i];
        if(state->handle == handle)
            return state->call.in_perform && !state->call.waiting ? state : NULL;
    }
    return NULL;
}

/* True when the transfer will be retried: it waits outside the real multi until it is due. */
static bool wait_for_retry(const struct real_curl *real, struct multi_state *multi,
                           struct handle_state *state, const struct retry_plan *plan)
{
    if(real->multi_remove_handle(multi->multi, state->handle) != CURLM_OK)
        return false;
    struct call_state *call = &state->call;
    call->waiting = true;
    call->retry_due_ms = clock_now_ms() + plan->wait_ms;
    call->retry_wait_ms = plan->wait_ms;
    call->waited_ms += plan->wait_ms;
    multi->waiting_count++;
    return true;
}

void multi_retry_read_completions(const struct real_curl *real, struct multi_state *multi,
                                  const struct tryagain_config *config)
{
    for(;;) {
        int left = 0;
        CURLMsg *message = real->multi_info_read(multi->multi, &left);
        if(!message) {
            multi->completions_read = true;
            return;
        }
        CURLMsg copy = *message; /* invalid once its handle is removed */
        struct handle_state *state =
            copy.msg == CURLMSG_DONE ? active_transfer(multi, copy.easy_handle) : NULL;
        if(!state) {
            multis_enqueue(multi, &copy);
            continue;
        }
        multi->in_program_callback = true; /* judging may rewind the program's upload */
        struct retry_plan plan =
            transfer_judge(real, state->handle, state, config, copy.data.result);
        multi->in_program_callback = false;
        if(plan.retry && wait_for_retry(real, multi, state, &plan))
            continue;
        plan.retry = false;
        finish(multi, state, copy.data.result, &plan);
    }
}

static long long next_due_ms(const struct multi_state *multi)
{
    long long due = -1;
    if(!multi->waiting_count)
        return due;
    for(size_t i = 0; i < multi->tracked_count; i++) {
        const struct call_state *call = &multi->tracked[i]->call;
        if(call->waiting && (due < 0 || call->retry_due_ms < due))
            due = call->retry_due_ms;
    }
    return due;
}

long multi_retry_due_in_ms(const struct multi_state *multi)
{
    long long due = next_due_ms(multi);
    if(due < 0)
        return -1;
    long long now = clock_now_ms();
    return due > now ? (long)(due - now) : 0;
}

void multi_retry_forget(struct multi_state *multi, struct handle_state *state)
{
    struct call_state *call = &state->call;
    if(call->multi != multi)
        return;
    if(call->waiting)
        multi->waiting_count--;
    if(call->in_perform)
        gate_discard(&state->gate); /* the program gave the transfer up: nothing more of it */
    call->waiting = false;
    call->in_perform = false;
    call->multi = NULL;
    multis_untrack(multi, state);
    multis_drop_messages(multi, state->handle);
}

/* Tells the program's timer the sooner of libcurl's expiry and the next retry; always when
   asked to (libcurl called, or the program's timer has just fired: a one-shot timer that fired
   early, before the retry was due, must be set again), otherwise only on a change. */
static int tell_timer(struct multi_state *multi, bool always)
{
    long long now = clock_now_ms();
    long long retry = next_due_ms(multi);
    long long expiry = multi->libcurl_expiry_ms;
    if(retry >= 0 && (expiry < 0 || retry < expiry))
        expiry = retry;
    if(!always && expiry == multi->told_expiry_ms)
        return 0;
    multi->told_expiry_ms = expiry;
    if(!multi->program_timer)
        return 0;
    long timeout_ms = expiry < 0 ? -1 : expiry > now ? (long)(expiry - now) : 0;
    return multi->program_timer(multi->multi, timeout_ms, multi->program_timer_data);
}

void multi_retry_tell_timer(struct multi_state *multi, bool timers_ran)
{
    /* libcurl ran every timer that had expired and told of any new one; one it set earlier
       and did not replace is spent, and must not hold back the program's timer forever. A
       millisecond or two of slack: libcurl rounds its timeouts down. */
    if(timers_ran && multi->libcurl_expiry_ms >= 0 &&
       multi->libcurl_expiry_ms + 2 <= clock_now_ms())
        multi->libcurl_expiry_ms = -1;
    tell_timer(multi, timers_ran);
}

int multi_retry_timer_callback(CURLM *handle, long timeout_ms, void *userp)
{
    (void)handle;
    struct multi_state *multi = userp;
    multi->libcurl_expiry_ms = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
    return tell_timer(multi, true);
}
