/* The table has one lock, held for a lookup, an insert or an unlink only. A multi handle and
   its transfers are used by one thread at a time (libcurl's rule), so a multi's state needs no
   lock of its own. */
#include "curl/multis.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "curl/last_found.h"
#include "runtime/fork_safety.h"

#define BUCKETS 256

static struct multi_state *buckets[BUCKETS];
atomic_int multis_live;

static size_t bucket_of(const void *multi)
{
    uintptr_t key = (uintptr_t)multi;
    key ^= key >> 17;
    key *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(key >> 56) % BUCKETS;
}

atomic_ulong multis_removals; /* bumped by multis_take */
__thread struct last_found multis_last_found;

struct multi_state *multis_find_locked_lookup(const void *multi)
{
    lock_take(LOCK_MULTI_TABLE);
    unsigned long generation = atomic_load_explicit(&multis_removals, memory_order_relaxed);
    struct multi_state *found = buckets[bucket_of(multi)];
    while(found && found->multi != multi)
        found = found->next;
    lock_give(LOCK_MULTI_TABLE);
    if(found)
        last_found_set(&multis_last_found, multi, found, generation);
    return found;
}

struct multi_state *multis_add(CURLM *multi)
{
    struct multi_state *state = calloc(1, sizeof(*state));
    if(!state)
        return NULL;
    state->multi = multi;
    state->libcurl_expiry_ms = -1;
    state->told_expiry_ms = -1;
    size_t bucket = bucket_of(multi);
    lock_take(LOCK_MULTI_TABLE);
    state->next = buckets[bucket];
    buckets[bucket] = state;
    atomic_fetch_add(&multis_live, 1);
    lock_give(LOCK_MULTI_TABLE);
    return state;
}

struct multi_state *multis_take(const void *multi)
{
    if(!multis_any())
        return NULL;
    lock_take(LOCK_MULTI_TABLE);
    struct multi_state *found = NULL;
    for(struct multi_state **link = &buckets[bucket_of(multi)]; *link; link = &(*link)->next) {
        if((*link)->multi == multi) {
            found = *link;
            unsigned long before =
                atomic_fetch_add_explicit(&multis_removals, 1, memory_order_release);
            last_found_keep_after_removal(&multis_last_found, multi, before);
            *link = found->next;
            atomic_fetch_sub(&multis_live, 1);
            break;
        }
    }
    lock_give(LOCK_MULTI_TABLE);
    return found;
}

void multis_free(struct multi_state *state)
{
    if(!state)
        return;
    while(state->queue_head) {
        struct queued_message *next = state->queue_head->next;
        free(state->queue_head);
        state->queue_head = next;
    }
    free(state->handed_out);
    while(state->spare_nodes) {
        struct queued_message *next = state->spare_nodes->next;
        free(state->spare_nodes);
        state->spare_nodes = next;
    }
    free(state->tracked);
    free(state);
}

bool multis_track(struct multi_state *multi, struct handle_state *transfer)
{
    if(multi->tracked_count == multi->tracked_capacity) {
        size_t capacity = multi->tracked_capacity ? multi->tracked_capacity * 2 : 16;
        struct handle_state **grown = realloc(multi->tracked, capacity * sizeof(*grown));
        if(!grown)
            return false;
        multi->tracked = grown;
        multi->tracked_capacity = capacity;
    }
    multi->tracked[multi->tracked_count++] = transfer;
    return true;
}

void multis_untrack(struct multi_state *multi, struct handle_state *transfer)
{
    for(size_t i = 0; i < multi->tracked_count; i++) {
        if(multi->tracked[i] == transfer) {
            multi->tracked[i] = multi->tracked[--multi->tracked_count];
            return;
        }
    }
}

bool multis_enqueue(struct multi_state *multi, const CURLMsg *message)
{
    struct queued_message *node = multi->spare_nodes;
    if(node) {
        multi->spare_nodes = node->next;
        multi->spare_count--;
    }
    else if(!(node = malloc(sizeof(*node)))) {
        return false;
    }
    node->message = *message;
    node->next = NULL;
    if(multi->queue_tail)
        multi->queue_tail->next = node;
    else
        multi->queue_head = node;
    multi->queue_tail = node;
    multi->queue_length++;
    return true;
}

#define SPARE_NODES_MAX 16

CURLMsg *multis_dequeue(struct multi_state *multi, int *messages_left)
{
    if(multi->handed_out && multi->spare_count < SPARE_NODES_MAX) {
        multi->handed_out->next = multi->spare_nodes;
        multi->spare_nodes = multi->handed_out;
        multi->spare_count++;
    }
    else {
        free(multi->handed_out);
    }
    multi->handed_out = multi->queue_head;
    if(multi->handed_out) {
        multi->queue_head = multi->handed_out->next;
        if(!multi->queue_head)
            multi->queue_tail = NULL;
        multi->queue_length--;
    }
    *messages_left = multi->queue_length;
    return multi->handed_out ? &multi->handed_out->message : NULL;
}

void multis_drop_messages(struct multi_state *multi, const void *handle)
{
    struct queued_message *previous = NULL;
    struct queued_message *node = multi->queue_head;
    while(node) {
        struct queued_message *next = node->next;
        if(node->message.easy_handle == handle) {
            if(previous)
                previous->next = next;
            else
                multi->queue_head = next;
            if(multi->queue_tail == node)
                multi->queue_tail = previous;
            multi->queue_length--;
            free(node);
        }
        else {
            previous = node;
        }
        node = next;
    }
    /* The message handed out last stays readable until the next curl_multi_info_read: code
       that removes msg->easy_handle and then cleans it up reads the message after the remove. */
}
