/* What the library keeps per multi handle the program made: the transfers it retries, the
   messages the program has yet to read, and the program's timer. Keyed by the multi handle.
   Multis libcurl makes for itself (inside curl_easy_perform) are never here, so an easy
   transfer is retried once, by the easy hooks. */
#ifndef TRYAGAIN_CURL_MULTIS_H
#define TRYAGAIN_CURL_MULTIS_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "curl/handles.h"
#include "curl/last_found.h"

struct queued_message {
    CURLMsg message;
    struct queued_message *next;
};

struct multi_state {
    CURLM *multi;
    struct multi_state *next; /* hash chain */

    /* Transfers of this multi that the library retries, waiting or not. */
    struct handle_state **tracked;
    size_t tracked_count;
    size_t tracked_capacity;
    int waiting_count; /* of them, removed from the real multi until their retry is due */
    int real_running; /* the real multi's running count, as last reported */
    /* Set while the library calls the program's callbacks from its own code (a held response
       handed over, an upload rewound): the multi answers CURLM_RECURSIVE_API_CALL then, as
       libcurl does from inside its callbacks. */
    bool in_program_callback;

    /* Completions for the program, first in, first out. handed_out is the one
       curl_multi_info_read returned last: it stays valid until the next call, as libcurl's. */
    struct queued_message *queue_head;
    struct queued_message *queue_tail;
    int queue_length;
    struct queued_message *handed_out;
    /* Nodes of messages already read, for the next ones: a completion per transfer then
       allocates nothing. */
    struct queued_message *spare_nodes;
    int spare_count;
    /* The real multi's completions were all read since libcurl last ran: nothing new can be
       there until the next perform or socket call (curl/multi_retry.c). */
    bool completions_read;

    /* CURLMOPT_TIMERFUNCTION/TIMERDATA as the program set them; the real multi calls the
       library's timer callback instead, which tells the program the sooner of libcurl's
       expiry and the next retry. */
    curl_multi_timer_callback program_timer;
    void *program_timer_data;
    long long libcurl_expiry_ms; /* monotonic, -1: none */
    long long told_expiry_ms; /* what the program's timer was last set to, -1: none */
};

extern atomic_int multis_live __attribute__((visibility("hidden")));
extern atomic_ulong multis_removals __attribute__((visibility("hidden")));
extern __thread struct last_found multis_last_found __attribute__((visibility("hidden")));

/* True when the program made any multi that is still alive: the hooks' one test before a
   lookup, so libcurl's own multis inside curl_easy_perform cost no lock. */
static inline bool multis_any(void)
{
    return atomic_load_explicit(&multis_live, memory_order_relaxed) > 0;
}

/* The table's own lookup, under its lock; multis_find below asks it on a miss. */
struct multi_state *multis_find_locked_lookup(const void *multi);

/* Inline: every curl_multi_* hook asks, about the multi it asked about last time. */
static inline struct multi_state *multis_find(const void *multi)
{
    if(!multis_any())
        return NULL;
    struct multi_state *remembered = last_found_get(&multis_last_found, multi, &multis_removals);
    return remembered ? remembered : multis_find_locked_lookup(multi);
}
/* A new multi of the program's (curl_multi_init); NULL when out of memory. */
struct multi_state *multis_add(CURLM *multi);
/* Unlinks the multi's state from the table (curl_multi_cleanup); multis_free frees it. */
struct multi_state *multis_take(const void *multi);
void multis_free(struct multi_state *state);

bool multis_track(struct multi_state *multi, struct handle_state *transfer);
void multis_untrack(struct multi_state *multi, struct handle_state *transfer);

bool multis_enqueue(struct multi_state *multi, const CURLMsg *message);
/* The next message for the program, or NULL; messages_left is what remains after it. */
CURLMsg *multis_dequeue(struct multi_state *multi, int *messages_left);
/* Drops every message about handle (curl_multi_remove_handle drops its unread message). */
void multis_drop_messages(struct multi_state *multi, const void *handle);

#endif
