/* The exported curl_easy_* hooks. Each one: pass straight through when retries are off or
   libcurl is not found, otherwise note what retries need and hand over to transfer.c. */
#define CURL_DISABLE_DEPRECATION 1 /* CURLOPT_PUT and CURLOPT_HTTPPOST are still the program's */
#define CURL_DISABLE_TYPECHECK 1 /* curl_easy_setopt is a macro under gcc's type checking */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "curl/handles.h"
#include "curl/multi_retry.h"
#include "curl/settings.h"
#include "curl/transfer.h"
#include "runtime/real.h"
#include "runtime/settings.h"

#define EXPORT __attribute__((visibility("default")))

static bool retries_enabled(void)
{
    return runtime_config()->max_attempts > 1;
}

/* Once the library's hook for an option is installed, the real handle keeps the hook and the
   program's value is only noted. */
static bool is_gated(const struct handle_state *state, CURLoption option)
{
    switch(settings_callback_group(option)) {
    case WRITE_SIDE:
        return state->installed.callbacks;
    case READ_SIDE:
        return state->installed.reader;
    case SEEK_SIDE:
        return state->installed.seeker;
    case NOT_A_CALLBACK:
        break;
    }
    return false;
}

static void note_option(struct handle_state *state, CURLoption option, union option_value value)
{
    settings_note(&state->program, option, value, runtime_config());
    handles_update_sinks(state);
}

static CURLcode forward_option(const struct real_curl *real, CURL *handle, CURLoption option,
                               union option_value value)
{
    if(option < CURLOPTTYPE_OBJECTPOINT)
        return real->easy_setopt(handle, option, value.number);
    if(option < CURLOPTTYPE_FUNCTIONPOINT)
        return real->easy_setopt(handle, option, value.object);
    if(option < CURLOPTTYPE_OFF_T)
        return real->easy_setopt(handle, option, value.function);
    if(option < CURLOPTTYPE_BLOB)
        return real->easy_setopt(handle, option, value.offset);
    return real->easy_setopt(handle, option, value.object);
}

EXPORT CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...)
{
    union option_value value;
    va_list args;
    va_start(args, option);
    if(option < CURLOPTTYPE_OBJECTPOINT)
        value.number = va_arg(args, long);
    else if(option < CURLOPTTYPE_FUNCTIONPOINT)
        value.object = va_arg(args, void *);
    else if(option < CURLOPTTYPE_OFF_T)
        value.function = va_arg(args, void (*)(void));
    else if(option < CURLOPTTYPE_BLOB)
        value.offset = va_arg(args, curl_off_t);
    else
        value.object = va_arg(args, void *);
    va_end(args);

    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLE_FAILED_INIT;
    if(!handle || !settings_notes(option) || !retries_enabled())
        return forward_option(real, handle, option, value);
    struct handle_state *state = handles_find_or_add(handle);
    if(!state)
        return forward_option(real, handle, option, value);
    if(is_gated(state, option)) {
        note_option(state, option, value);
        return CURLE_OK;
    }
    CURLcode code = forward_option(real, handle, option, value);
    if(code == CURLE_OK)
        note_option(state, option, value);
    return code;
}

EXPORT CURLcode curl_easy_perform(CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return CURLE_FAILED_INIT;
    if(!handle || !retries_enabled())
        return real->easy_perform(handle);
    struct handle_state *state = handles_find(handle);
    if(state && state->call.waiting)
        return CURLE_FAILED_INIT; /* still in a multi to the program, as libcurl would answer */
    if(state && state->call.in_perform)
        return real->easy_perform(handle); /* nested in its own callback: libcurl refuses it */
    if(!state || !state->program.url_retried) {
        /* Nothing of an earlier transfer (a header line paused when it ended) may carry over. */
        if(state && state->installed.callbacks)
            gate_discard(&state->gate);
        return real->easy_perform(handle);
    }
    return transfer_perform(real, handle, state, runtime_config());
}

EXPORT CURL *curl_easy_duphandle(CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return NULL;
    CURL *copy = real->easy_duphandle(handle);
    if(!copy || !retries_enabled())
        return copy;
    struct handle_state *source = handles_find(handle);
    if(!source)
        return copy;
    struct handle_state *state = handles_duplicate(source, copy);
    if(state) {
        transfer_adopt_duplicate(real, copy, state);
    }
    else if(source->installed.callbacks) {
        /* No memory for the copy's state: it must not call into the original's gate. */
        real->easy_cleanup(copy);
        return NULL;
    }
    return copy;
}

EXPORT void curl_easy_reset(CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return;
    real->easy_reset(handle);
    struct handle_state *state = handle ? handles_find(handle) : NULL;
    if(!state)
        return;
    if(state->call.multi)
        multi_retry_forget(state->call.multi, state);
    handles_forget_settings(state);
}

EXPORT void curl_easy_cleanup(CURL *handle)
{
    const struct real_curl *real = real_curl_of_caller();
    if(!real)
        return;
    /* Out of the table first: once libcurl frees the handle, another thread may be given the
       same address for a new one, and must not find this handle's state. */
    struct handle_state *state = handle ? handles_take(handle) : NULL;
    if(state && state->call.multi)
        multi_retry_forget(state->call.multi, state);
    real->easy_cleanup(handle);
    handles_free(state);
}
