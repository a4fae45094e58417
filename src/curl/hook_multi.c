/* The exported curl_multi_* hooks. Only multis the program made through curl_multi_init are
   looked after; every other call (libcurl's own multi inside curl_easy_perform, retries off)
   goes straight to libcurl after one test. */
#define CURL_DISABLE_TYPECHECK 1 /* curl_multi_setopt is a macro under gcc's type checking */
#define CURL_ALLOW_OLD_MULTI_SOCKET 1 /* curl_multi_socket is hooked too, not a macro here */
#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>
#include <stdarg.h>

#include "curl/handles.h"
#include "curl/multi_retry.h"
#include "curl/multis.h"
#include "curl/transfer.h"
#include "policy/retry_plan.h"
#include "runtime/clock.h"
#include "runtime/real.h"
#include "runtime/settings.h"

#define EXPORT __attribute__((visibility("default")))

static bool retries_enabled(void)
{
    return runtime_config()->max_attempts > 1;
}

EXPORT CURLM *curl_multi_init(void)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return NULL;
    CURLM *multi = real->multi_init();
    if(multi && retries_enabled())
        multis_add(multi); /* out of memory: a multi like any other, without retries */
    return multi;
}

EXPORT CURLMcode curl_multi_cleanup(CURLM *multi)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    if(!state)
        return real->multi_cleanup(multi);
    if(state->in_program_callback)
        return CURLM_RECURSIVE_API_CALL;
    /* libcurl may still call the timer on its way out: the program's, not ours. */
    real->multi_setopt(multi, CURLMOPT_TIMERFUNCTION, state->program_timer);
    real->multi_setopt(multi, CURLMOPT_TIMERDATA, state->program_timer_data);
    CURLMcode code = real->multi_cleanup(multi);
    if(code != CURLM_OK) {
        /* libcurl refused (called from one of its callbacks): the multi lives on, with us. */
        if(state->program_timer) {
            real->multi_setopt(multi, CURLMOPT_TIMERFUNCTION, multi_retry_timer_callback);
            real->multi_setopt(multi, CURLMOPT_TIMERDATA, (void *)state);
        }
        return code;
    }
    multis_take(multi);
    while(state->tracked_count) {
        struct handle_state *transfer = state->tracked[state->tracked_count - 1];
        if(transfer->call.in_perform)
            transfer_give_back(transfer); /* the handle lives on: the program's values back */
        multi_retry_forget(state, transfer);
    }
    multis_free(state);
    return code;
}

/* The program's timer is kept here; the real multi calls the library's, which calls it. */
static CURLMcode set_timer_option(const struct real_curl *real, struct multi_state *state,
                                  CURLMoption option, void *value)
{
    if(option == CURLMOPT_TIMERFUNCTION)
        state->program_timer = (curl_multi_timer_callback)value;
    else
        state->program_timer_data = value;
    CURLMcode code = real->multi_setopt(state->multi, CURLMOPT_TIMERFUNCTION,
                                        state->program_timer ? multi_retry_timer_callback
                                                             : (curl_multi_timer_callback)NULL);
    if(code == CURLM_OK)
        code = real->multi_setopt(state->multi, CURLMOPT_TIMERDATA, (void *)state);
    return code;
}

EXPORT CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
    const struct real_curl *real = real_curl_of_caller();
    va_list args;
    va_start(args, option);
    long number = 0;
    void *object = NULL;
    void (*function)(void) = NULL;
    curl_off_t offset = 0;
    if(option < CURLOPTTYPE_OBJECTPOINT)
        number = va_arg(args, long);
    else if(option < CURLOPTTYPE_FUNCTIONPOINT)
        object = va_arg(args, void *);
    else if(option < CURLOPTTYPE_OFF_T)
        function = va_arg(args, void (*)(void));
    else
        offset = va_arg(args, curl_off_t);
    va_end(args);
    if(!real)
        return CURLM_INTERNAL_ERROR;
    if(option == CURLMOPT_TIMERFUNCTION || option == CURLMOPT_TIMERDATA) {
        struct multi_state *state = multis_find(multi);
        if(state)
            return set_timer_option(real, state, option,
                                    option == CURLMOPT_TIMERFUNCTION ? (void *)function : object);
    }
    if(option < CURLOPTTYPE_OBJECTPOINT)
        return real->multi_setopt(multi, option, number);
    if(option < CURLOPTTYPE_FUNCTIONPOINT)
        return real->multi_setopt(multi, option, object);
    if(option < CURLOPTTYPE_OFF_T)
        return real->multi_setopt(multi, option, function);
    return real->multi_setopt(multi, option, offset);
}

EXPORT CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    if(!state)
        return real->multi_add_handle(multi, handle);
    if(state->in_program_callback)
        return CURLM_RECURSIVE_API_CALL;
    struct handle_state *transfer = handle ? handles_find(handle) : NULL;
    if(transfer && transfer->call.multi) {
        /* Still in a multi to the program, though the library took it out to wait. */
        if(transfer->call.waiting)
            return CURLM_ADDED_ALREADY;
    }
    CURLMcode code = real->multi_add_handle(multi, handle);
    if(code != CURLM_OK)
        return code;
    state->real_running++;
    if(transfer && transfer->program.url_retried && !transfer->call.in_perform &&
       !transfer->call.multi)
        multi_retry_begin(real, state, handle, transfer, runtime_config());
    else if(transfer && transfer->installed.callbacks && !transfer->call.in_perform)
        gate_discard(&transfer->gate); /* as before an easy perform: nothing carries over */
    return code;
}

EXPORT CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    if(state && state->in_program_callback)
        return CURLM_RECURSIVE_API_CALL;
    CURLMcode code = real->multi_remove_handle(multi, handle);
    if(!state || code != CURLM_OK)
        return code;
    struct handle_state *transfer = handle ? handles_find(handle) : NULL;
    if(transfer && transfer->call.multi == state && transfer->call.in_perform)
        transfer_give_back(transfer); /* given up mid-call: the program's values back */
    if(transfer)
        multi_retry_forget(state, transfer);
    /* Its unread completion goes too, as libcurl drops it, retried by the library or not. */
    multis_drop_messages(state, handle);
    return code;
}

/* The multi this thread is inside libcurl for, in one of the program's perform or socket calls:
   libcurl's curl_multi_socket_all runs curl_multi_perform itself, through the hook, and that
   inner call must go straight to libcurl (its running count is libcurl's own). */
static __thread CURLM *driving;

/* What the program is told is running: libcurl's transfers and the ones waiting to retry. */
static void report_running(struct multi_state *state, int real_running, int *running)
{
    state->real_running = real_running;
    if(running)
        *running = real_running + state->waiting_count;
}

EXPORT CURLMcode curl_multi_perform(CURLM *multi, int *running)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = driving == multi ? NULL : multis_find(multi);
    if(!state)
        return real->multi_perform(multi, running);
    if(state->in_program_callback)
        return CURLM_RECURSIVE_API_CALL;
    multi_retry_start_due(real, state);
    int real_running = 0;
    runtime_in_transfer++;
    CURLM *outer = driving;
    driving = multi;
    state->completions_read = false;
    CURLMcode code = real->multi_perform(multi, &real_running);
    driving = outer;
    runtime_in_transfer--;
    if(code == CURLM_RECURSIVE_API_CALL)
        return code;
    multi_retry_collect(real, state, runtime_config());
    multi_retry_update_timer(state, true);
    report_running(state, real_running, running);
    return code;
}

/* The program drives its multi (perform, or one of the socket calls): retries that are due
   start first, then libcurl runs; its completions are read and judged after. */
enum drive_call { DRIVE_SOCKET_ACTION, DRIVE_SOCKET, DRIVE_SOCKET_ALL };

static CURLMcode drive_real(const struct real_curl *real, enum drive_call call, CURLM *multi,
                            curl_socket_t socket, int events, int *running)
{
    switch(call) {
    case DRIVE_SOCKET:
        return real->multi_socket ? real->multi_socket(multi, socket, running)
                                  : CURLM_INTERNAL_ERROR;
    case DRIVE_SOCKET_ALL:
        return real->multi_socket_all ? real->multi_socket_all(multi, running)
                                      : CURLM_INTERNAL_ERROR;
    case DRIVE_SOCKET_ACTION:
        break;
    }
    return real->multi_socket_action(multi, socket, events, running);
}

static CURLMcode drive(const struct real_curl *real, enum drive_call call, CURLM *multi,
                       curl_socket_t socket, int events, int *running)
{
    struct multi_state *state = driving == multi ? NULL : multis_find(multi);
    if(!state)
        return drive_real(real, call, multi, socket, events, running);
    if(state->in_program_callback)
        return CURLM_RECURSIVE_API_CALL;
    multi_retry_start_due(real, state);
    int real_running = 0;
    runtime_in_transfer++;
    CURLM *outer = driving;
    driving = multi;
    state->completions_read = false;
    CURLMcode code = drive_real(real, call, multi, socket, events, &real_running);
    driving = outer;
    runtime_in_transfer--;
    if(code == CURLM_RECURSIVE_API_CALL)
        return code;
    multi_retry_collect(real, state, runtime_config());
    /* socket_all and a CURL_SOCKET_TIMEOUT action run libcurl's timers. */
    multi_retry_update_timer(state, call == DRIVE_SOCKET_ALL || socket == CURL_SOCKET_TIMEOUT);
    report_running(state, real_running, running);
    return code;
}

EXPORT CURLMcode curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int events,
                                          int *running)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    return drive(real, DRIVE_SOCKET_ACTION, multi, socket, events, running);
}

/* The deprecated forms, still in old event-loop code: without them a transfer waiting for its
   retry would never be added back. */
EXPORT CURLMcode curl_multi_socket(CURLM *multi, curl_socket_t socket, int *running)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    return drive(real, DRIVE_SOCKET, multi, socket, 0, running);
}

EXPORT CURLMcode curl_multi_socket_all(CURLM *multi, int *running)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    return drive(real, DRIVE_SOCKET_ALL, multi, CURL_SOCKET_TIMEOUT, 0, running);
}

EXPORT CURLMsg *curl_multi_info_read(CURLM *multi, int *messages_left)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return NULL;
    struct multi_state *state = multis_find(multi);
    if(!state)
        return real->multi_info_read(multi, messages_left);
    if(state->in_program_callback) {
        if(messages_left)
            *messages_left = 0;
        return NULL;
    }
    multi_retry_collect(real, state, runtime_config());
    int left = 0;
    CURLMsg *message = multis_dequeue(state, &left);
    if(messages_left)
        *messages_left = left;
    return message;
}

EXPORT CURLMcode curl_multi_timeout(CURLM *multi, long *timeout_ms)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    CURLMcode code = real->multi_timeout(multi, timeout_ms);
    if(state && code == CURLM_OK && timeout_ms)
        *timeout_ms = policy_sooner_timeout(*timeout_ms, multi_retry_due_in_ms(state));
    return code;
}

/* The program's wait, ended by the next retry at the latest. */
static int capped_timeout(const struct multi_state *state, int timeout_ms)
{
    return (int)policy_sooner_timeout(timeout_ms, multi_retry_due_in_ms(state));
}

/* Whether the library steps into the program's wait: a multi of its own with a retry
   waiting, a valid timeout (libcurl answers a negative one itself), outside a callback. */
static bool shortens_wait(const struct multi_state *state, int timeout_ms)
{
    return state && state->waiting_count && timeout_ms >= 0 && !state->in_program_callback;
}

EXPORT CURLMcode curl_multi_wait(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                                 int timeout_ms, int *ready)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    if(!shortens_wait(state, timeout_ms))
        return real->multi_wait(multi, extra, extra_count, timeout_ms, ready);
    int capped = capped_timeout(state, timeout_ms);
    if(state->real_running == 0 && extra_count == 0) {
        /* libcurl would return at once (no socket to wait on), and the program, told a
           transfer still runs, would spin: wait for the retry instead, as it asked to wait. */
        clock_sleep_ms(capped);
        if(ready)
            *ready = 0;
        return CURLM_OK;
    }
    return real->multi_wait(multi, extra, extra_count, capped, ready);
}

EXPORT CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                                 int timeout_ms, int *ready)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real || !real->multi_poll)
        return CURLM_INTERNAL_ERROR;
    struct multi_state *state = multis_find(multi);
    if(!shortens_wait(state, timeout_ms))
        return real->multi_poll(multi, extra, extra_count, timeout_ms, ready);
    return real->multi_poll(multi, extra, extra_count, capped_timeout(state, timeout_ms), ready);
}
