/* The exported curl_easy_* hooks. Each one: pass straight through when retries are off or
   libcurl is not found, otherwise note what retries need and hand over to transfer.c. */
#define CURL_DISABLE_DEPRECATION 1 /* CURLOPT_PUT and CURLOPT_HTTPPOST are still the program's */
#define CURL_DISABLE_TYPECHECK 1 /* curl_easy_setopt is a macro under gcc's type checking */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "curl/handles.h"
#include "curl/multi_retry.h"
#include "curl/settings.h"
#include "curl/transfer.h"
#include "runtime/real.h"
#include "runtime/settings.h"

#define EXPORT __attribute__((visibility("default")))

/* Where the hook may take setopt's variadic argument as a plain word (see below); a build can
   ask for the portable va_arg form with -DSETOPT_TAKES_A_WORD=0. */
#ifndef SETOPT_TAKES_A_WORD
#if defined(__LP64__) && (defined(__x86_64__) || defined(__aarch64__)) && defined(__linux__)
#define SETOPT_TAKES_A_WORD 1
#else
#define SETOPT_TAKES_A_WORD 0
#endif
#endif

static bool retries_enabled(void)
{
    return runtime_config()->max_attempts > 1;
}

/* Once the library's hook for an option is installed, the real handle keeps the hook and the
   program's value is only noted. */
static bool is_gated(const struct handle_state *state, CURLoption option)
{
    if(option == CURLOPT_HEADER) /* libcurl's own outside a retried call (transfer.h) */
        return state->call.header_taken;
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

static void note_option(struct handle_state *state, CURLoption option, union option_value value,
                        const struct tryagain_config *config)
{
    settings_note(&state->program, option, value, config);
    if(settings_callback_group(option) == WRITE_SIDE) /* the sinks are made of these alone */
        handles_update_sinks(state);
}

/* A kept option on a handle with a state: true when noting it is all (the library's hook
   stands in for it on the real handle), false when it must reach libcurl first, to be noted
   once libcurl takes it. The first write or header function or data the program sets puts
   the gate's callbacks in place, so that its others need not reach libcurl only to be
   replaced. */
static bool noted_instead_of_set(const struct real_curl *real, CURL *handle,
                                 struct handle_state *state, CURLoption option,
                                 union option_value value, const struct tryagain_config *config)
{
    bool installs = option != CURLOPT_HEADER && settings_callback_group(option) == WRITE_SIDE &&
                    !state->installed.callbacks;
    if(!installs && !is_gated(state, option))
        return false;
    note_option(state, option, value, config);
    if(installs)
        transfer_install_callbacks(real, handle, state);
    return true;
}

#if SETOPT_TAKES_A_WORD
/* A program sets dozens of options per transfer and the library keeps a few, so the others
   must cost next to nothing. On these ABIs the one variadic argument of curl_easy_setopt (a
   long, a pointer, a function pointer or a 64-bit curl_off_t) travels in the same register as
   a third named 64-bit argument would, so the hook takes it as one, without a va_list, and the
   options it does not keep go on to libcurl as a tail call. Defined under its C name with the
   symbol given by asm, because <curl/curl.h> declares curl_easy_setopt variadic. */
EXPORT CURLcode tryagain_easy_setopt(CURL *handle, CURLoption option,
                                     uint64_t word) __asm__("curl_easy_setopt");
/* Out of line, so that the common path saves no registers: an option the library keeps, a
   caller from another object than last time, or a call an FFI entry chose the libcurl of. The
   word goes on to libcurl as it came; the union is only for noting it. */
__attribute__((noinline)) static CURLcode set_option_word(CURL *handle, CURLoption option,
                                                          uint64_t word, const void *caller)
{
    const struct real_curl *real = real_curl_for_inline(caller);
    if(!real)
        return CURLE_FAILED_INIT;
    const struct tryagain_config *config = runtime_config();
    if(!handle || !settings_notes(option) || config->max_attempts <= 1)
        return real->easy_setopt(handle, option, word);
    struct handle_state *state = handles_find_or_add(handle);
    if(!state)
        return real->easy_setopt(handle, option, word);
    union option_value value;
    if(option < CURLOPTTYPE_OBJECTPOINT)
        value.number = (long)word;
    else if(option < CURLOPTTYPE_FUNCTIONPOINT || option >= CURLOPTTYPE_BLOB)
        value.object = (void *)(uintptr_t)word;
    else if(option < CURLOPTTYPE_OFF_T)
        value.function = (void (*)(void))(uintptr_t)word;
    else
        value.offset = (curl_off_t)word;
    if(noted_instead_of_set(real, handle, state, option, value, config))
        return CURLE_OK;
    CURLcode code = real->easy_setopt(handle, option, word);
    if(code == CURLE_OK)
        note_option(state, option, value, config);
    return code;
}

EXPORT CURLcode tryagain_easy_setopt(CURL *handle, CURLoption option, uint64_t word)
{
    const void *caller = __builtin_return_address(0);
    const struct real_caller_span *last = real_thread.last_caller;
    if(__builtin_expect(!settings_notes(option), 1) && (uintptr_t)caller >= last->start &&
       (uintptr_t)caller < last->end)
        return last->easy_setopt(handle, option, word);
    return set_option_word(handle, option, word, caller);
}
#else

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

/* The slow path: an option the library keeps, on a handle, with retries on. */
static CURLcode set_noted_option(const struct real_curl *real, CURL *handle, CURLoption option,
                                 union option_value value)
{
    const struct tryagain_config *config = runtime_config();
    if(config->max_attempts <= 1)
        return forward_option(real, handle, option, value);
    struct handle_state *state = handles_find_or_add(handle);
    if(!state)
        return forward_option(real, handle, option, value);
    if(noted_instead_of_set(real, handle, state, option, value, config))
        return CURLE_OK;
    CURLcode code = forward_option(real, handle, option, value);
    if(code == CURLE_OK)
        note_option(state, option, value, config);
    return code;
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
    if(!handle || !settings_notes(option))
        return forward_option(real, handle, option, value);
    return set_noted_option(real, handle, option, value);
}
#endif

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
