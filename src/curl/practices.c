#include "curl/practices.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl/handles.h"
#include "policy/request.h"
#include "runtime/clock.h"

static void new_uuid(char out[UUID_TEXT_SIZE])
{
    uint8_t random[UUID_RANDOM_BYTES];
    clock_random_bytes(random, sizeof(random));
    uuid_format_v4(random, out);
}

/* What the program's own header list says of the key header: its last line naming it. */
static enum key_line program_key(const struct curl_slist *headers, const char *name)
{
    enum key_line found = KEY_LINE_OTHER;
    for(; headers; headers = headers->next) {
        enum key_line line =
            headers->data ? idempotency_classify_line(name, headers->data) : KEY_LINE_OTHER;
        if(line != KEY_LINE_OTHER)
            found = line;
    }
    return found;
}

/* The key goes in front of the program's list, in a node of the call's own: libcurl reads a
   header list and never frees or changes it, and the program's list stays as it is. */
static bool add_key(const struct real_curl *real, CURL *handle, struct handle_state *state,
                    const char *name)
{
    struct practice_call *practice = &state->call.practice;
    char key[UUID_TEXT_SIZE];
    new_uuid(key);
    if(!idempotency_header_line(name, key, practice->key_line, sizeof(practice->key_line)))
        return false;
    practice->key_node.data = practice->key_line;
    practice->key_node.next = state->program.headers;
    if(real->easy_setopt(handle, CURLOPT_HTTPHEADER, &practice->key_node) != CURLE_OK)
        return false;
    practice->key_added = true;
    return true;
}

bool practices_begin(const struct real_curl *real, CURL *handle, struct handle_state *state,
                     const struct tryagain_config *config, bool idempotent)
{
    struct practice_call *practice = &state->call.practice;
    practices_forget(practice);
    practices_init(practice);
    practice->real = real;
    /* One draw from the kernel per call, and only when a JSON line may show it. */
    if(config->log_level > 0 && config->log_format == LOG_FORMAT_JSON)
        new_uuid(practice->call_id);
    const char *name = config->idempotency_key;
    if(!name[0] || idempotent || !idempotency_wants_key(request_method(&state->program.request)))
        return idempotent;
    switch(program_key(state->program.headers, name)) {
    case KEY_LINE_SET:
        return true; /* the program's own key, re-sent by libcurl on every attempt */
    case KEY_LINE_REMOVED:
        return false; /* the program asked for no such header: no key, no repeat */
    case KEY_LINE_OTHER:
        break;
    }
    return add_key(real, handle, state, name);
}

/* The primary's entry while the call is still on the primary, else NULL: one hop, never back. */
static const struct fallback_entry *primary_entry(const struct handle_state *state,
                                                  const struct tryagain_config *config)
{
    const struct practice_call *practice = &state->call.practice;
    if(!config->fallback.count || practice->fallback_url || practice->next_url)
        return NULL;
    return fallback_find(&config->fallback, state->program.url);
}

bool practices_may_fall_back(const struct handle_state *state, const struct tryagain_config *config,
                             enum plan_reason reason)
{
    return reason == PLAN_RETRY_AFTER_TOO_LONG && state->call.attempt < config->max_attempts &&
           primary_entry(state, config) != NULL;
}

/* The call's next attempt goes to entry's fallback (the one switch, whatever made it due): the
   same URL on the fallback's host and port. why: what the log gives as the reason, NULL for
   the primary's own failures. */
static bool switch_to_fallback(struct handle_state *state, const struct fallback_entry *entry,
                               const char *why)
{
    struct practice_call *practice = &state->call.practice;
    size_t size = strlen(state->program.url) + FALLBACK_HOST_MAX + 16;
    char *url = malloc(size);
    if(!url)
        return false;
    if(!fallback_rewrite(state->program.url, entry, url, size)) {
        free(url);
        return false;
    }
    practice->next_url = url;
    fallback_host_text(&entry->from, practice->fallback_for, sizeof(practice->fallback_for));
    fallback_host_text(&entry->to, practice->next_host, sizeof(practice->next_host));
    snprintf(practice->fallback_why, sizeof(practice->fallback_why), "%s", why ? why : "");
    practice->host_failures = 0;
    return true;
}

void practices_judged(struct handle_state *state, const struct tryagain_config *config,
                      struct retry_plan *plan)
{
    struct practice_call *practice = &state->call.practice;
    const struct fallback_entry *entry = primary_entry(state, config);
    if(!entry)
        return;
    const struct call_state *call = &state->call;
    bool attempts_left = call->attempt < config->max_attempts;
    enum host_outcome outcome = plan->reason == PLAN_RETRY                  ? HOST_FAILED
                                : plan->reason == PLAN_RETRY_AFTER_TOO_LONG ? HOST_WAIT_TOO_LONG
                                                                            : HOST_FINE;
    if(!fallback_due(&practice->host_failures, config->fallback_after, outcome, attempts_left))
        return;
    if(plan->reason == PLAN_RETRY_AFTER_TOO_LONG && !call->last.delivered) {
        /* The primary asked for a wait too long to honour: the fallback need not wait for it. */
        long elapsed = config->deadline_ms ? (long)(clock_now_ms() - call->started_ms) : 0;
        struct retry_plan backoff = policy_plan_backoff(config, call->attempt, elapsed,
                                                        call->previous_wait_ms, clock_random());
        if(!backoff.retry)
            return;
        *plan = backoff;
    }
    else if(plan->reason != PLAN_RETRY) {
        return;
    }
    switch_to_fallback(state, entry, NULL);
}

bool practices_can_fall_back(const struct handle_state *state, const struct tryagain_config *config)
{
    return primary_entry(state, config) != NULL;
}

bool practices_fall_back(struct handle_state *state, const struct tryagain_config *config,
                         const char *why)
{
    const struct fallback_entry *entry = primary_entry(state, config);
    return entry && switch_to_fallback(state, entry, why);
}

const char *practices_next_url(const struct handle_state *state)
{
    const struct practice_call *practice = &state->call.practice;
    return practice->next_url ? practice->next_url : practices_attempt_url(state);
}

bool practices_moving(const struct handle_state *state)
{
    return state->call.practice.next_url != NULL;
}

void practices_next_attempt(struct handle_state *state)
{
    struct practice_call *practice = &state->call.practice;
    if(!practice->next_url)
        return;
    if(practice->real->easy_setopt(state->handle, CURLOPT_URL, practice->next_url) != CURLE_OK) {
        free(practice->next_url); /* stays on the primary */
        practice->next_url = NULL;
        return;
    }
    free(practice->fallback_url);
    practice->fallback_url = practice->next_url;
    practice->next_url = NULL;
}

void practices_log_fields(const struct handle_state *state, struct log_event *event)
{
    const struct practice_call *practice = &state->call.practice;
    event->request_id = state->gate.request_id;
    event->call_id = practice->call_id;
    if(practice->fallback_url) {
        event->target = practice->fallback_url;
        event->fallback_for = practice->fallback_for;
        event->notable = true; /* which host answered is worth a line even when all went well */
    }
    if(practice->next_url)
        event->next_host = practice->next_host;
    if(practice->fallback_url || practice->next_url)
        event->fallback_why = practice->fallback_why;
}

const char *practices_attempt_url(const struct handle_state *state)
{
    const struct practice_call *practice = &state->call.practice;
    return practice->fallback_url ? practice->fallback_url : state->program.url;
}

void practices_finish(struct handle_state *state)
{
    struct practice_call *practice = &state->call.practice;
    const struct real_curl *real = practice->real;
    if(real && practice->key_added)
        real->easy_setopt(state->handle, CURLOPT_HTTPHEADER, state->program.headers);
    if(real && practice->fallback_url)
        real->easy_setopt(state->handle, CURLOPT_URL, state->program.url);
    practices_forget(practice);
}

void practices_init(struct practice_call *practice)
{
    memset(practice, 0, offsetof(struct practice_call, call_id));
    practice->call_id[0] = '\0';
    practice->key_line[0] = '\0';
    practice->fallback_for[0] = '\0';
    practice->next_host[0] = '\0';
    practice->fallback_why[0] = '\0';
}

void practices_forget(struct practice_call *practice)
{
    free(practice->fallback_url);
    free(practice->next_url);
    practice->fallback_url = NULL;
    practice->next_url = NULL;
    practice->key_added = false;
}
