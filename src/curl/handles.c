/* One lock guards the table, and only for a lookup or an insert: never across a transfer, a
   wait or a call into the program. A handle is used by one thread at a time (libcurl's rule),
   so its state needs no lock of its own. */
#include "curl/handles.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "curl/last_found.h"
#include "runtime/fork_safety.h"

#define BUCKETS 4096

static struct handle_state *buckets[BUCKETS];

/* A handle's state only leaves the table when the handle is freed or replaced. Not static:
   handles.h looks in the thread's memory inline. */
atomic_ulong handles_removals;
__thread struct last_found handles_last_found;

static struct handle_state *remembered(const void *handle)
{
    return last_found_get(&handles_last_found, handle, &handles_removals);
}

static void remember(const void *handle, struct handle_state *state, unsigned long generation)
{
    last_found_set(&handles_last_found, handle, state, generation);
}

static size_t bucket_of(const void *handle)
{
    uintptr_t key = (uintptr_t)handle;
    key ^= key >> 17;
    key *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(key >> 52) % BUCKETS;
}

static struct handle_state *find_locked(const void *handle)
{
    for(struct handle_state *s = buckets[bucket_of(handle)]; s; s = s->next) {
        if(s->handle == handle)
            return s;
    }
    return NULL;
}

struct handle_state *handles_find(const void *handle)
{
    struct handle_state *state = remembered(handle);
    if(state)
        return state;
    lock_take(LOCK_HANDLE_TABLE);
    unsigned long generation = atomic_load_explicit(&handles_removals, memory_order_relaxed);
    state = find_locked(handle);
    lock_give(LOCK_HANDLE_TABLE);
    if(state)
        remember(handle, state, generation);
    return state;
}

void handles_update_sinks(struct handle_state *state)
{
    settings_sinks(&state->program, &state->gate.sinks);
}

static void fresh_call(struct call_state *call)
{
    memset(call, 0, offsetof(struct call_state, practice));
    practices_init(&call->practice);
    call->coord = (struct call_coordination){0};
    call->upload_start_offset = -1;
}

static struct handle_state *unlink_locked(const void *handle)
{
    for(struct handle_state **link = &buckets[bucket_of(handle)]; *link; link = &(*link)->next) {
        if((*link)->handle == handle) {
            struct handle_state *found = *link;
            unsigned long before =
                atomic_fetch_add_explicit(&handles_removals, 1, memory_order_release);
            last_found_keep_after_removal(&handles_last_found, handle, before);
            *link = found->next;
            return found;
        }
    }
    return NULL;
}

static void insert_locked(struct handle_state *state)
{
    size_t bucket = bucket_of(state->handle);
    state->next = buckets[bucket];
    buckets[bucket] = state;
}

/* The last state freed, kept for the next handle: a program that makes a handle per transfer
   (curl -Z) then allocates none. One slot for the process, taken and given by exchange; what it
   holds at exit is still reachable, not leaked. */
static _Atomic(struct handle_state *) spare;

/* Under AddressSanitizer every state is freed for real, so that a use after free is reported
   instead of landing in the next handle's state. */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_A_SPARE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_A_SPARE 0
#endif
#endif
#ifndef KEEP_A_SPARE
#define KEEP_A_SPARE 1
#endif

/* A state of a handle not yet in the table: the program's settings are the caller's to fill. */
static struct handle_state *new_state(void *handle)
{
    /* Part by part rather than calloc: each part is set anyway, and zeroing the whole 2 KiB
       again would cost more than a transfer's every other step (a new handle per transfer is
       how curl -Z works). */
    struct handle_state *state = atomic_exchange_explicit(&spare, NULL, memory_order_acquire);
    if(!state)
        state = malloc(sizeof(*state));
    if(!state)
        return NULL;
    state->handle = handle;
    state->next = NULL;
    memset(&state->installed, 0, sizeof(state->installed));
    settings_init(&state->program);
    fresh_call(&state->call);
    gate_init(&state->gate);
    return state;
}

struct handle_state *handles_find_or_add_locked(void *handle)
{
    lock_take(LOCK_HANDLE_TABLE);
    unsigned long generation = atomic_load_explicit(&handles_removals, memory_order_relaxed);
    struct handle_state *state = find_locked(handle);
    if(!state) {
        state = new_state(handle);
        if(state) {
            handles_update_sinks(state);
            insert_locked(state);
        }
    }
    lock_give(LOCK_HANDLE_TABLE);
    if(state)
        remember(handle, state, generation);
    return state;
}

struct handle_state *handles_duplicate(const struct handle_state *source, void *new_handle)
{
    struct handle_state *copy = new_state(new_handle);
    if(!copy)
        return NULL;
    if(!settings_copy(&copy->program, &source->program)) {
        handles_free(copy);
        return NULL;
    }
    copy->installed = source->installed;
    handles_update_sinks(copy);
    /* State left under the new address (a handle freed behind the library's back) is replaced. */
    lock_take(LOCK_HANDLE_TABLE);
    struct handle_state *stale = unlink_locked(new_handle);
    insert_locked(copy);
    lock_give(LOCK_HANDLE_TABLE);
    handles_free(stale);
    return copy;
}

void handles_forget_settings(struct handle_state *state)
{
    practices_forget(&state->call.practice);
    settings_free(&state->program);
    settings_init(&state->program);
    memset(&state->installed, 0, sizeof(state->installed));
    fresh_call(&state->call);
    gate_free(&state->gate);
    gate_init(&state->gate);
    handles_update_sinks(state);
}

struct handle_state *handles_take(const void *handle)
{
    lock_take(LOCK_HANDLE_TABLE);
    struct handle_state *found = unlink_locked(handle);
    lock_give(LOCK_HANDLE_TABLE);
    return found;
}

void handles_free(struct handle_state *state)
{
    if(!state)
        return;
    practices_forget(&state->call.practice);
    settings_free(&state->program);
    gate_free(&state->gate);
    if(KEEP_A_SPARE)
        state = atomic_exchange_explicit(&spare, state, memory_order_acq_rel);
    free(state);
}
