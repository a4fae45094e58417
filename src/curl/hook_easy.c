/* The exported curl_easy_* hooks. Each one: pass straight through when retries are off or
   libcurl is not found, otherwise note what retries need and hand over to transfer.c. */
#define CURL_DISABLE_DEPRECATION 1 /* CURLOPT_PUT and CURLOPT_HTTPPOST are still the program's */
#define CURL_DISABLE_TYPECHECK 1 /* curl_easy_setopt is a macro under gcc's type checking */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "curl/handles.h"
#include "runtime/real.h"
#include "runtime/runtime.h"
#include "curl/transfer.h"

#define EXPORT __attribute__((visibility("default")))

static bool retries_enabled(void)
{
    return runtime_config()->max_attempts > 1;
}

/* One setopt argument, read by the type range its option number falls in. */
union option_value {
    long number;
    void *object;
    void (*function)(void);
    curl_off_t offset;
};

/* The program's callback options, by which of the library's hooks stands in for them. */
enum callback_group { NOT_A_CALLBACK, WRITE_SIDE, READ_SIDE, SEEK_SIDE };

static enum callback_group callback_group(CURLoption option)
{
    switch(option) {
    case CURLOPT_WRITEFUNCTION:
    case CURLOPT_WRITEDATA:
    case CURLOPT_HEADERFUNCTION:
    case CURLOPT_HEADERDATA:
    case CURLOPT_HEADER:
        return WRITE_SIDE;
    case CURLOPT_READFUNCTION:
    case CURLOPT_READDATA:
        return READ_SIDE;
    case CURLOPT_SEEKFUNCTION:
    case CURLOPT_SEEKDATA:
        return SEEK_SIDE;
    default:
        return NOT_A_CALLBACK;
    }
}

/* Once the library's hook for an option is installed, the real handle keeps the hook and the
   program's value is only noted. */
static bool is_gated(const struct handle_state *state, CURLoption option)
{
    switch(callback_group(option)) {
    case WRITE_SIDE:
        return state->callbacks_installed;
    case READ_SIDE:
        return state->read_hook_installed;
    case SEEK_SIDE:
        return state->seek_hook_installed;
    case NOT_A_CALLBACK:
        break;
    }
    return false;
}

/* A CURLFORM_STREAM part is read through the handle's read callback, from where it stands:
   libcurl cannot rewind it for another attempt. */
static bool form_has_streamed_part(const struct curl_httppost *part)
{
    for(; part; part = part->next) {
        if((part->flags & CURL_HTTPPOST_CALLBACK) || form_has_streamed_part(part->more))
            return true;
    }
    return false;
}

/* Options that decide the method, the URL, or where data goes: noted, and passed on. */
static bool is_noted(CURLoption option)
{
    switch(option) {
    case CURLOPT_URL:
    case CURLOPT_CUSTOMREQUEST:
    case CURLOPT_HTTPGET:
    case CURLOPT_POST:
    case CURLOPT_POSTFIELDS:
    case CURLOPT_COPYPOSTFIELDS:
    case CURLOPT_HTTPPOST:
    case CURLOPT_MIMEPOST:
    case CURLOPT_UPLOAD:
    case CURLOPT_PUT:
    case CURLOPT_NOBODY:
        return true;
    default:
        return callback_group(option) != NOT_A_CALLBACK;
    }
}

static void note_custom_method(struct handle_state *state, const char *method)
{
    if(!method)
        state->custom_method[0] = '\0';
    else if(strlen(method) < sizeof(state->custom_method))
        strcpy(state->custom_method, method);
    else
        strcpy(state->custom_method, "(long)"); /* unknown, so never idempotent */
}

/* libcurl's own rules for which request a later option turns the handle into. */
static void note_option(struct handle_state *state, CURLoption option, union option_value value)
{
    switch(option) {
    case CURLOPT_WRITEFUNCTION:
        state->write_fn = (gate_sink_fn)value.function;
        break;
    case CURLOPT_WRITEDATA:
        state->write_data = value.object;
        state->write_data_set = true;
        break;
    case CURLOPT_HEADERFUNCTION:
        state->header_fn = (gate_sink_fn)value.function;
        break;
    case CURLOPT_HEADERDATA:
        state->header_data = value.object;
        break;
    case CURLOPT_HEADER:
        state->include_headers = value.number != 0;
        break;
    case CURLOPT_READFUNCTION:
        state->read_fn = (curl_read_callback)value.function;
        break;
    case CURLOPT_READDATA:
        state->read_data = value.object;
        state->read_data_set = true;
        break;
    case CURLOPT_SEEKFUNCTION:
        state->seek_fn = (curl_seek_callback)value.function;
        break;
    case CURLOPT_SEEKDATA:
        state->seek_data = value.object;
        break;
    case CURLOPT_URL: {
        char *copy = value.object ? strdup(value.object) : NULL;
        free(state->url);
        state->url = copy;
        /* Decided once here rather than on every perform. */
        state->url_retried = transfer_applies(state, runtime_config());
        break;
    }
    case CURLOPT_CUSTOMREQUEST:
        note_custom_method(state, value.object);
        break;
    case CURLOPT_HTTPGET:
        if(value.number)
            state->base_method = METHOD_GET;
        break;
    case CURLOPT_POST:
        state->base_method = value.number ? METHOD_POST : METHOD_GET;
        break;
    case CURLOPT_HTTPPOST:
        state->formpost = value.object != NULL;
        state->formpost_streams = form_has_streamed_part(value.object);
        state->base_method = METHOD_POST;
        break;
    case CURLOPT_POSTFIELDS:
    case CURLOPT_COPYPOSTFIELDS:
    case CURLOPT_MIMEPOST:
        state->base_method = METHOD_POST;
        break;
    case CURLOPT_UPLOAD:
    case CURLOPT_PUT:
        state->base_method = value.number ? METHOD_PUT : METHOD_GET;
        break;
    case CURLOPT_NOBODY:
        if(value.number)
            state->base_method = METHOD_HEAD;
        else if(state->base_method == METHOD_HEAD)
            state->base_method = METHOD_GET;
        break;
    default:
        break;
    }
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
    if(!handle || !is_noted(option) || !retries_enabled())
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
    if(state && state->in_perform)
        return real->easy_perform(handle); /* nested in its own callback: libcurl refuses it */
    if(!state || !state->url_retried) {
        /* Nothing of an earlier transfer (a header line paused when it ended) may carry over. */
        if(state && state->callbacks_installed)
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
    else if(source->callbacks_installed) {
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
    if(state)
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
    real->easy_cleanup(handle);
    handles_free(state);
}
