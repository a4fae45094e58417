/* An FFI caller holds a function pointer, not a call site the loader binds, and may drive two
   libcurls at once (ctypes.CDLL on each): so each libcurl gets entries of its own, a small
   fixed set per hooked function. An entry names its libcurl's table for the next
   real_curl_for() on this thread (the hook asks first thing, so nothing can come between),
   then calls the hook itself, found in this library by its own handle so that no other
   preloaded library's definition is taken for it. */
#define CURL_DISABLE_TYPECHECK 1
#include "runtime/ffi_entry.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime/real.h"
#include "runtime/real_dl.h"

#define ENTRY_SETS 4 /* libcurls with entries of their own; more share the plain hooks */

typedef CURLcode (*setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*perform_fn)(CURL *);
typedef CURL *(*duphandle_fn)(CURL *);
typedef void (*handle_fn)(CURL *);

static _Atomic(void *) own_hooks[HOOKED_COUNT];

static void bind_own_hooks(void)
{
    Dl_info info;
    if(!dladdr((const void *)&bind_own_hooks, &info) || !info.dli_fname)
        return;
    void *self = real_dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if(!self) {
        dlerror();
        return;
    }
    for(int i = 0; i < HOOKED_COUNT; i++) {
        void *hook = real_dlsym(self, dl_rules_symbol_name((enum hooked_symbol)i));
        atomic_store_explicit(&own_hooks[i], hook, memory_order_release);
    }
    dlclose(self); /* this library is preloaded: it stays */
}

static void *own_hook(enum hooked_symbol symbol)
{
    void *hook = atomic_load_explicit(&own_hooks[symbol], memory_order_acquire);
    if(!hook) {
        bind_own_hooks();
        hook = atomic_load_explicit(&own_hooks[symbol], memory_order_acquire);
    }
    return hook;
}

static _Atomic(const struct real_curl *) set_tables[ENTRY_SETS];

/* The entry set of table, claimed when it has none yet; -1 when all are taken. */
static int set_of(const struct real_curl *table)
{
    for(int k = 0; k < ENTRY_SETS; k++) {
        const struct real_curl *expected = NULL;
        if(atomic_compare_exchange_strong(&set_tables[k], &expected, table) || expected == table)
            return k;
    }
    return -1;
}

static const struct real_curl *table_of_set(int set)
{
    return atomic_load_explicit(&set_tables[set], memory_order_acquire);
}

/* One setopt argument, read by the type range its option number falls in, and passed on the
   same way (as hook_easy.c reads it). */
static CURLcode setopt_through(int set, CURL *handle, CURLoption option, va_list args)
{
    setopt_fn hook = (setopt_fn)own_hook(HOOKED_EASY_SETOPT);
    const struct real_curl *table = table_of_set(set);
    if(option < CURLOPTTYPE_OBJECTPOINT) {
        long number = va_arg(args, long);
        real_curl_choose_next(table);
        return hook(handle, option, number);
    }
    if(option < CURLOPTTYPE_FUNCTIONPOINT || option >= CURLOPTTYPE_BLOB) {
        void *object = va_arg(args, void *);
        real_curl_choose_next(table);
        return hook(handle, option, object);
    }
    if(option < CURLOPTTYPE_OFF_T) {
        void (*function)(void) = va_arg(args, void (*)(void));
        real_curl_choose_next(table);
        return hook(handle, option, function);
    }
    curl_off_t offset = va_arg(args, curl_off_t);
    real_curl_choose_next(table);
    return hook(handle, option, offset);
}

static CURLcode perform_through(int set, CURL *handle)
{
    perform_fn hook = (perform_fn)own_hook(HOOKED_EASY_PERFORM);
    real_curl_choose_next(table_of_set(set));
    return hook(handle);
}

static CURL *duphandle_through(int set, CURL *handle)
{
    duphandle_fn hook = (duphandle_fn)own_hook(HOOKED_EASY_DUPHANDLE);
    real_curl_choose_next(table_of_set(set));
    return hook(handle);
}

static void handle_call_through(int set, enum hooked_symbol symbol, CURL *handle)
{
    handle_fn hook = (handle_fn)own_hook(symbol);
    real_curl_choose_next(table_of_set(set));
    hook(handle);
}

#define ENTRY_SET(k)                                                                               \
    static CURLcode setopt_##k(CURL *handle, CURLoption option, ...)                               \
    {                                                                                              \
        va_list args;                                                                              \
        va_start(args, option);                                                                    \
        CURLcode code = setopt_through(k, handle, option, args);                                   \
        va_end(args);                                                                              \
        return code;                                                                               \
    }                                                                                              \
    static CURLcode perform_##k(CURL *handle)                                                      \
    {                                                                                              \
        return perform_through(k, handle);                                                         \
    }                                                                                              \
    static CURL *duphandle_##k(CURL *handle)                                                       \
    {                                                                                              \
        return duphandle_through(k, handle);                                                       \
    }                                                                                              \
    static void reset_##k(CURL *handle)                                                            \
    {                                                                                              \
        handle_call_through(k, HOOKED_EASY_RESET, handle);                                         \
    }                                                                                              \
    static void cleanup_##k(CURL *handle)                                                          \
    {                                                                                              \
        handle_call_through(k, HOOKED_EASY_CLEANUP, handle);                                       \
    }

ENTRY_SET(0)
ENTRY_SET(1)
ENTRY_SET(2)
ENTRY_SET(3)

#define ENTRIES(k)                                                                                 \
    {                                                                                              \
        [HOOKED_EASY_SETOPT] = (void *)setopt_##k, [HOOKED_EASY_PERFORM] = (void *)perform_##k,    \
        [HOOKED_EASY_DUPHANDLE] = (void *)duphandle_##k, [HOOKED_EASY_RESET] = (void *)reset_##k,  \
        [HOOKED_EASY_CLEANUP] = (void *)cleanup_##k,                                               \
    }

static void *const entries[ENTRY_SETS][HOOKED_COUNT] = {ENTRIES(0), ENTRIES(1), ENTRIES(2),
                                                        ENTRIES(3)};

static bool is_tables_function(const struct real_curl *table, enum hooked_symbol symbol,
                               const void *found)
{
    switch(symbol) {
    case HOOKED_EASY_SETOPT:
        return (const void *)table->easy_setopt == found;
    case HOOKED_EASY_PERFORM:
        return (const void *)table->easy_perform == found;
    case HOOKED_EASY_DUPHANDLE:
        return (const void *)table->easy_duphandle == found;
    case HOOKED_EASY_RESET:
        return (const void *)table->easy_reset == found;
    case HOOKED_EASY_CLEANUP:
        return (const void *)table->easy_cleanup == found;
    default:
        return false;
    }
}

void *ffi_entry_answer(enum hooked_symbol symbol, void *found)
{
    if(symbol == HOOKED_NONE || !found)
        return found;
    void *hook = own_hook(symbol);
    if(!hook || found == hook)
        return found;
    if(symbol == HOOKED_CONNECT)
        return found == real_connect_function() ? hook : found;
    const struct real_curl *table = real_curl_of(found);
    if(!table || !is_tables_function(table, symbol, found))
        return found;
    int set = set_of(table);
    return set < 0 ? hook : entries[set][symbol];
}
