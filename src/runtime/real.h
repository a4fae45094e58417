/* The real functions behind the hooks. */
#ifndef TRYAGAIN_REAL_H
#define TRYAGAIN_REAL_H

#include <curl/curl.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>

struct real_curl {
    CURLcode (*easy_perform)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURL *(*easy_duphandle)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);

    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t socket, int events, int *running);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *messages_left);
    CURLMcode (*multi_timeout)(CURLM *multi, long *timeout_ms);
    CURLMcode (*multi_wait)(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                            int timeout_ms, int *ready);
    /* Deprecated since 7.19.5, still exported; NULL where a libcurl lacks them. */
    CURLMcode (*multi_socket)(CURLM *multi, curl_socket_t socket, int *running);
    CURLMcode (*multi_socket_all)(CURLM *multi, int *running);
    /* libcurl 7.66 and later; NULL before. */
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                            int timeout_ms, int *ready);
};

/* One table per libcurl object in the process, bound when first needed: NULL while no libcurl
   is loaded. Never loads libcurl itself.

   real_curl_for(caller): the table of the libcurl the calling object would have reached
   without this library (its own dependencies'; the global scope's for the main program), or
   the one an FFI entry (ffi_entry.c) chose for this very call. Hooks pass their return
   address: real_curl_of_caller(). */
const struct real_curl *real_curl_for(const void *caller);
#define real_curl_of_caller() real_curl_for_inline(__builtin_return_address(0))

/* The span of the object this thread called from last, with its table: a program makes most
   of its calls from one object (dozens of curl_easy_setopt per transfer), so most lookups end
   here, inline, in a few instructions. Entries are immutable and never freed. */
struct real_caller_span {
    uintptr_t start, end;
    const struct real_curl *table;
    /* table->easy_setopt, one load nearer: the setopt hook's jump (dozens per transfer). */
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
};
/* Side by side, so that one thread-pointer offset reaches both. last_caller is never NULL: it
   starts at an empty span, and real_curl_choose_next empties it too, so the inline test below
   is the span's alone and a choice for the next call always takes the slow path. */
struct real_thread {
    const struct real_caller_span *last_caller;
    const struct real_curl *chosen_next; /* for the next call only (ffi_entry.c) */
    /* The one before last_caller, looked at next: curl_easy_perform's own multi calls the
       curl_multi_* hooks from inside libcurl, between the program's calls. */
    const struct real_caller_span *other_caller;
};
extern __thread struct real_thread real_thread __attribute__((visibility("hidden")));

static inline const struct real_curl *real_curl_for_inline(const void *caller)
{
    const struct real_caller_span *last = real_thread.last_caller;
    if(__builtin_expect((uintptr_t)caller >= last->start && (uintptr_t)caller < last->end, 1))
        return last->table;
    return real_curl_for(caller);
}

/* The first libcurl found: the global scope's, else any loaded object's. */
const struct real_curl *real_curl(void);

/* The table of the libcurl object that defines function; NULL if that object is no complete
   libcurl. */
const struct real_curl *real_curl_of(const void *function);

/* 0, 1... for each table, in the order they were made; -1 for NULL. */
int real_curl_index(const struct real_curl *table);

/* The next real_curl_for() on this thread returns table, whoever calls. */
void real_curl_choose_next(const struct real_curl *table);

int real_connect(int fd, const struct sockaddr *address, socklen_t length);
/* The C library's connect(), as real_connect calls it. */
void *real_connect_function(void);

/* The next getaddrinfo() after this library's hook (connect/hook_resolve.c). */
int real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                     struct addrinfo **result);

#endif
