/* libcurl is found, never loaded, wherever the program has it: linked, dlopen()ed with
   RTLD_LOCAL by a plugin or pycurl, under any soname, or two flavours at once. Each libcurl
   object gets a table of its own, and each call goes to the libcurl its caller uses. */
#include "runtime/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <stdlib.h>

#include "runtime/libcurl_locate.h"
#include "runtime/real_dl.h"

/* No lock is held while binding: dlsym and dlopen take the dynamic loader's lock, and a thread
   holding that lock (running a constructor inside dlopen) may itself call a hook. Binding twice
   is harmless: the first complete entry published wins, the others are dropped. */

#define LIBCURLS_MAX 8
#define CALLERS_MAX 32

struct libcurl_entry {
    struct real_curl table; /* first: the table's address is the entry's */
    uintptr_t base;
    void *handle; /* keeps the libcurl loaded while its table exists */
};

/* Entries are immutable once published, and never freed. */
static _Atomic(struct libcurl_entry *) libcurls[LIBCURLS_MAX];
static _Atomic(const struct real_curl *) default_table;

/* Objects that called a hook, by address span, with the table their calls go to. */
static _Atomic(struct real_caller_span *) callers[CALLERS_MAX];

/* Holds no address: every caller misses it. */
static const struct real_caller_span no_caller = {0, 0, NULL, NULL};
__thread struct real_thread real_thread = {&no_caller, NULL, &no_caller};

static void bind_from(void *library, struct real_curl *out)
{
    *(void **)&out->easy_perform = real_dlsym(library, "curl_easy_perform");
    *(void **)&out->easy_setopt = real_dlsym(library, "curl_easy_setopt");
    *(void **)&out->easy_getinfo = real_dlsym(library, "curl_easy_getinfo");
    *(void **)&out->easy_duphandle = real_dlsym(library, "curl_easy_duphandle");
    *(void **)&out->easy_reset = real_dlsym(library, "curl_easy_reset");
    *(void **)&out->easy_cleanup = real_dlsym(library, "curl_easy_cleanup");
    *(void **)&out->easy_strerror = real_dlsym(library, "curl_easy_strerror");
    *(void **)&out->multi_init = real_dlsym(library, "curl_multi_init");
    *(void **)&out->multi_cleanup = real_dlsym(library, "curl_multi_cleanup");
    *(void **)&out->multi_setopt = real_dlsym(library, "curl_multi_setopt");
    *(void **)&out->multi_add_handle = real_dlsym(library, "curl_multi_add_handle");
    *(void **)&out->multi_remove_handle = real_dlsym(library, "curl_multi_remove_handle");
    *(void **)&out->multi_perform = real_dlsym(library, "curl_multi_perform");
    *(void **)&out->multi_socket_action = real_dlsym(library, "curl_multi_socket_action");
    *(void **)&out->multi_info_read = real_dlsym(library, "curl_multi_info_read");
    *(void **)&out->multi_timeout = real_dlsym(library, "curl_multi_timeout");
    *(void **)&out->multi_wait = real_dlsym(library, "curl_multi_wait");
    *(void **)&out->multi_poll = real_dlsym(library, "curl_multi_poll");
    *(void **)&out->multi_socket = real_dlsym(library, "curl_multi_socket");
    *(void **)&out->multi_socket_all = real_dlsym(library, "curl_multi_socket_all");
}

static bool complete(const struct real_curl *table)
{
    return table->easy_perform && table->easy_setopt && table->easy_getinfo &&
           table->easy_duphandle && table->easy_reset && table->easy_cleanup &&
           table->easy_strerror && table->multi_init && table->multi_cleanup &&
           table->multi_setopt && table->multi_add_handle && table->multi_remove_handle &&
           table->multi_perform && table->multi_socket_action && table->multi_info_read &&
           table->multi_timeout && table->multi_wait;
}

static struct libcurl_entry *entry_of_base(uintptr_t base)
{
    for(int i = 0; i < LIBCURLS_MAX; i++) {
        struct libcurl_entry *entry = atomic_load_explicit(&libcurls[i], memory_order_acquire);
        if(!entry)
            return NULL;
        if(entry->base == base)
            return entry;
    }
    return NULL;
}

static const struct real_curl *publish(struct libcurl_entry *mine)
{
    for(int i = 0; i < LIBCURLS_MAX; i++) {
        struct libcurl_entry *expected = NULL;
        if(atomic_compare_exchange_strong(&libcurls[i], &expected, mine))
            return &mine->table;
        if(expected->base == mine->base) {
            free(mine); /* another thread bound the same libcurl first */
            return &expected->table;
        }
    }
    free(mine);
    return NULL; /* more libcurl objects than anyone loads */
}

const struct real_curl *real_curl_of(const void *function)
{
    struct loaded_object object;
    if(!function || !libcurl_locate_object(function, &object) || object.is_this_library)
        return NULL;
    struct libcurl_entry *known = entry_of_base(object.base);
    if(known)
        return &known->table;
    void *handle = libcurl_locate_pin(&object);
    if(!handle)
        return NULL;
    struct libcurl_entry candidate = {.base = object.base, .handle = handle};
    bind_from(handle, &candidate.table);
    if(!complete(&candidate.table)) {
        dlerror(); /* nothing of this search may reach the program's dlerror() */
        dlclose(handle);
        return NULL;
    }
    struct libcurl_entry *mine = malloc(sizeof(*mine));
    if(!mine)
        return NULL;
    *mine = candidate;
    return publish(mine);
}

/* The global scope's functions, each the next definition after this library: what the main
   program's references bind to. Bound name by name, so that another preloaded library placed
   after this one (an interposer of curl_easy_perform only) stays in the chain. */
static struct real_curl *global_scope_table(void)
{
    struct real_curl candidate;
    bind_from(RTLD_NEXT, &candidate);
    if(!complete(&candidate)) {
        dlerror();
        return NULL;
    }
    struct real_curl *mine = malloc(sizeof(*mine));
    if(mine)
        *mine = candidate;
    return mine;
}

const struct real_curl *real_curl(void)
{
    const struct real_curl *table = atomic_load_explicit(&default_table, memory_order_acquire);
    if(table)
        return table;
    struct real_curl *own = global_scope_table(); /* this thread's, until published */
    table = own ? own : real_curl_of(libcurl_locate_any());
    if(!table)
        return NULL; /* no libcurl loaded (yet): asked again next time */
    const struct real_curl *expected = NULL;
    if(!atomic_compare_exchange_strong(&default_table, &expected, table)) {
        free(own); /* another thread published first; nobody else has seen this one */
        return expected;
    }
    return table;
}

static const struct real_curl *known_caller(uintptr_t address)
{
    const struct real_caller_span *last = real_thread.last_caller;
    if(address >= last->start && address < last->end)
        return last->table;
    const struct real_caller_span *other = real_thread.other_caller;
    if(address >= other->start && address < other->end) {
        real_thread.other_caller = last;
        real_thread.last_caller = other;
        return other->table;
    }
    for(int i = 0; i < CALLERS_MAX; i++) {
        const struct real_caller_span *entry =
            atomic_load_explicit(&callers[i], memory_order_acquire);
        if(!entry)
            return NULL;
        if(address >= entry->start && address < entry->end) {
            if(last != &no_caller)
                real_thread.other_caller = last;
            real_thread.last_caller = entry;
            return entry->table;
        }
    }
    return NULL;
}

static void remember_caller(const struct loaded_object *object, const struct real_curl *table)
{
    struct real_caller_span *mine = malloc(sizeof(*mine));
    if(!mine)
        return;
    *mine = (struct real_caller_span){object->start, object->end, table, table->easy_setopt};
    for(int i = 0; i < CALLERS_MAX; i++) {
        struct real_caller_span *expected = NULL;
        if(atomic_compare_exchange_strong(&callers[i], &expected, mine))
            return;
    }
    free(mine); /* full: this caller is looked up each time */
}

/* The main program's scope is the global one: the default table is what it would reach. An
   object whose dependencies provide no libcurl (it got the functions by dlsym, say) too. */
static const struct real_curl *resolve_caller(uintptr_t address)
{
    struct loaded_object object;
    if(!libcurl_locate_object((const void *)address, &object))
        return real_curl();
    const struct real_curl *table = NULL;
    if(!object.is_this_library)
        table = real_curl_of(libcurl_locate_for_object(&object));
    if(!table)
        table = real_curl();
    if(table && !object.is_this_library)
        remember_caller(&object, table);
    return table;
}

const struct real_curl *real_curl_for(const void *caller)
{
    const struct real_curl *chosen = real_thread.chosen_next;
    if(chosen) {
        real_thread.chosen_next = NULL;
        return chosen;
    }
    const struct real_curl *table = known_caller((uintptr_t)caller);
    return table ? table : resolve_caller((uintptr_t)caller);
}

void real_curl_choose_next(const struct real_curl *table)
{
    real_thread.chosen_next = table;
    real_thread.last_caller = &no_caller;
}

int real_curl_index(const struct real_curl *table)
{
    for(int i = 0; table && i < LIBCURLS_MAX; i++) {
        if((const struct real_curl *)atomic_load_explicit(&libcurls[i], memory_order_acquire) ==
           table)
            return i;
    }
    return -1;
}

static _Atomic(int (*)(int, const struct sockaddr *, socklen_t)) bound_connect;

static int (*bind_connect(void))(int, const struct sockaddr *, socklen_t)
{
    int (*found)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))real_dlsym(RTLD_NEXT, "connect");
    atomic_store_explicit(&bound_connect, found, memory_order_release);
    return found;
}

/* At load time the process has one thread: binding here means no connect() ever waits for it. */
__attribute__((constructor)) static void bind_connect_at_load(void)
{
    bind_connect();
}

void *real_connect_function(void)
{
    void *function = (void *)atomic_load_explicit(&bound_connect, memory_order_acquire);
    return function ? function : (void *)bind_connect();
}

int real_connect(int fd, const struct sockaddr *address, socklen_t length)
{
    int (*function)(int, const struct sockaddr *, socklen_t) =
        atomic_load_explicit(&bound_connect, memory_order_acquire);
    if(!function)
        function = bind_connect(); /* a connect() from a constructor that ran before ours */
    if(!function) {
        errno = ENOSYS;
        return -1;
    }
    return function(fd, address, length);
}

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
static _Atomic(getaddrinfo_fn) bound_getaddrinfo;

static getaddrinfo_fn bind_getaddrinfo(void)
{
    getaddrinfo_fn found = (getaddrinfo_fn)real_dlsym(RTLD_NEXT, "getaddrinfo");
    atomic_store_explicit(&bound_getaddrinfo, found, memory_order_release);
    return found;
}

__attribute__((constructor)) static void bind_getaddrinfo_at_load(void)
{
    bind_getaddrinfo();
}

int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                     struct addrinfo **result)
{
    getaddrinfo_fn function = atomic_load_explicit(&bound_getaddrinfo, memory_order_acquire);
    if(!function)
        function = bind_getaddrinfo();
    if(!function)
        return EAI_SYSTEM;
    return function(node, service, hints, result);
}
