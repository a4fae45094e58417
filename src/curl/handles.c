/* One lock guards the table, and only for a lookup or an insert: never across a transfer, a
   wait or a call into the program. A handle is used by one thread at a time (libcurl's rule),
   so its state needs no lock of its own. */
#include "curl/handles.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

static struct handle_state *buckets[BUCKETS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

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
    pthread_mutex_lock(&table_lock);
    struct handle_state *state = find_locked(handle);
    pthread_mutex_unlock(&table_lock);
    return state;
}

static size_t write_to_file(char *data, size_t size, size_t count, void *file)
{
    return fwrite(data, size, count, file);
}

void handles_update_sinks(struct handle_state *state)
{
    struct gate_sinks *sinks = &state->gate.sinks;
    sinks->body = state->write_fn ? state->write_fn : write_to_file;
    sinks->body_data = state->write_data_set ? state->write_data : (void *)stdout;
    if(state->header_fn) {
        sinks->header = state->header_fn;
        sinks->header_data = state->header_data;
    }
    else if(state->header_data) {
        sinks->header = sinks->body;
        sinks->header_data = state->header_data;
    }
    else {
        sinks->header = NULL;
        sinks->header_data = NULL;
    }
    sinks->include_headers = state->include_headers;
}

static void set_defaults(struct handle_state *state)
{
    void *handle = state->handle;
    struct handle_state *next = state->next;
    struct gate gate = state->gate;
    memset(state, 0, sizeof(*state));
    state->handle = handle;
    state->next = next;
    state->gate = gate;
    state->upload_start_offset = -1;
    handles_update_sinks(state);
}

struct handle_state *handles_find_or_add(void *handle)
{
    pthread_mutex_lock(&table_lock);
    struct handle_state *state = find_locked(handle);
    if(!state) {
        state = calloc(1, sizeof(*state));
        if(state) {
            state->handle = handle;
            gate_init(&state->gate);
            set_defaults(state);
            size_t bucket = bucket_of(handle);
            state->next = buckets[bucket];
            buckets[bucket] = state;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return state;
}

struct handle_state *handles_duplicate(const struct handle_state *source, void *new_handle)
{
    char *url = source->url ? strdup(source->url) : NULL;
    if(source->url && !url)
        return NULL;
    struct handle_state *copy = handles_find_or_add(new_handle);
    if(!copy) {
        free(url);
        return NULL;
    }
    struct handle_state *next = copy->next;
    struct gate gate = copy->gate;
    free(copy->url);
    *copy = *source;
    copy->handle = new_handle;
    copy->next = next;
    copy->url = url;
    copy->gate = gate;
    copy->gate.sinks = source->gate.sinks;
    return copy;
}

void handles_forget_settings(struct handle_state *state)
{
    free(state->url);
    gate_free(&state->gate);
    set_defaults(state);
}

struct handle_state *handles_take(const void *handle)
{
    pthread_mutex_lock(&table_lock);
    struct handle_state **link = &buckets[bucket_of(handle)];
    struct handle_state *found = NULL;
    while(*link) {
        if((*link)->handle == handle) {
            found = *link;
            *link = found->next;
            break;
        }
        link = &(*link)->next;
    }
    pthread_mutex_unlock(&table_lock);
    return found;
}

void handles_free(struct handle_state *state)
{
    if(!state)
        return;
    free(state->url);
    gate_free(&state->gate);
    free(state);
}

const char *handles_method(const struct handle_state *state)
{
    if(state->custom_method[0])
        return state->custom_method;
    switch(state->base_method) {
    case METHOD_HEAD:
        return "HEAD";
    case METHOD_POST:
        return "POST";
    case METHOD_PUT:
        return "PUT";
    case METHOD_GET:
        break;
    }
    return "GET";
}

void handles_lock(void)
{
    pthread_mutex_lock(&table_lock);
}

void handles_unlock(void)
{
    pthread_mutex_unlock(&table_lock);
}
