/* What the library keeps per CURL handle, in a table keyed by the handle. Three parts, each
   with one rule for curl_easy_duphandle and curl_easy_reset, so a new field is added once:
     program    what the program set        duphandle: copied     reset: libcurl's defaults
     installed  the library's hooks on the  duphandle: copied     reset: none (libcurl drops
                real handle                 (libcurl copies them)        them too)
     call       the perform under way       duphandle: fresh      reset: fresh
   and the gate, which shows the program one response per call (fresh for a copy and a reset). */
#ifndef TRYAGAIN_CURL_HANDLES_H
#define TRYAGAIN_CURL_HANDLES_H

#include <stdatomic.h>
#include <stdbool.h>

#include "curl/coordination.h"
#include "curl/gate.h"
#include "curl/last_found.h"
#include "curl/practices.h"
#include "curl/settings.h"
#include "policy/retry_plan.h"

struct installed_hooks {
    bool callbacks; /* the real handle calls the gate */
    bool reader; /* ...and the library's reader for uploads */
    bool seeker; /* ...and its seek callback */
};

struct multi_state;

struct call_state {
    bool in_perform; /* a perform of this handle is under way (no nesting) */
    /* The program's CURLOPT_HEADER is 1 and the real handle's is 0 for this call: the gate
       shows the header lines in the body itself, for the final response only. */
    bool header_taken;
    bool idempotent; /* of the transfer under way */
    int attempt; /* from 1 */
    long long upload_bytes_read; /* in the current attempt */
    long upload_start_offset; /* ftell of the default FILE* reader at the call, -1 unknown */
    long long started_ms; /* when the call began, when a deadline needs it */
    long previous_wait_ms; /* feeds decorrelated jitter */
    long long waited_ms; /* in all, for the stats */
    struct attempt_result last; /* of the latest attempt */

    /* A transfer of a program's multi handle (curl/multi_retry.c). */
    struct multi_state *multi; /* the multi it was added to, NULL when none */
    bool waiting; /* removed from the real multi until its retry is due */
    long long retry_due_ms; /* when waiting: the monotonic time to add it again */
    long retry_wait_ms; /* when waiting: the wait the plan asked for */

    /* Idempotency key, fallback host and ids of the call (curl/practices.c). */
    struct practice_call practice;
    struct call_coordination coord; /* the host's shared state (curl/coordination.c) */
};

struct handle_state {
    void *handle;
    struct handle_state *next; /* hash chain */
    struct program_settings program;
    struct installed_hooks installed;
    struct call_state call;
    struct gate gate;
};

/* Lookup never allocates; find_or_add may (NULL when out of memory). */
struct handle_state *handles_find(const void *handle);

/* The thread's memory of its last lookup (curl/last_found.h), for the lookup below. */
extern atomic_ulong handles_removals __attribute__((visibility("hidden")));
extern __thread struct last_found handles_last_found __attribute__((visibility("hidden")));

/* The table's own find-or-add, under its lock; handles_find_or_add asks it on a miss. */
struct handle_state *handles_find_or_add_locked(void *handle);

/* Inline: the setopt hook asks about the same handle for each of the dozen options it keeps. */
static inline struct handle_state *handles_find_or_add(void *handle)
{
    struct handle_state *state = last_found_get(&handles_last_found, handle, &handles_removals);
    return state ? state : handles_find_or_add_locked(handle);
}
/* A new handle's state copied from another's (curl_easy_duphandle); NULL when out of memory. */
struct handle_state *handles_duplicate(const struct handle_state *source, void *new_handle);
/* Back to the state of a new handle (curl_easy_reset). */
void handles_forget_settings(struct handle_state *state);
/* Unlinks the handle's state from the table (NULL when none); handles_free frees it. */
struct handle_state *handles_take(const void *handle);
void handles_free(struct handle_state *state);

/* After a change of the program's settings: the gate delivers where libcurl would. */
void handles_update_sinks(struct handle_state *state);

#endif
