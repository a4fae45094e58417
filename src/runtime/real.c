/* libcurl is found, never loaded: RTLD_NEXT sees a libcurl the program linked; one it
   dlopen()ed with RTLD_LOCAL (pycurl, PHP) is only reachable by name with RTLD_NOLOAD. */
#include "runtime/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* No lock is held while binding: dlsym and dlopen take the dynamic loader's lock, and a thread
   holding that lock (running a constructor inside dlopen) may itself call a hook. Binding twice
   is harmless, so the first complete table published wins. */
static _Atomic(const struct real_curl *) published_curl;

static void *lookup(void *library, const char *name)
{
    return dlsym(library ? library : RTLD_NEXT, name);
}

static void *find_loaded_libcurl(void)
{
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4",
                                        "libcurl.so.3"};
    for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        void *library = dlopen(names[i], RTLD_LAZY | RTLD_NOLOAD);
        if(library)
            return library;
    }
    return NULL;
}

static void bind_from(void *library, struct real_curl *out)
{
    out->easy_perform = (CURLcode(*)(CURL *))lookup(library, "curl_easy_perform");
    out->easy_setopt = (CURLcode(*)(CURL *, CURLoption, ...))lookup(library, "curl_easy_setopt");
    out->easy_getinfo = (CURLcode(*)(CURL *, CURLINFO, ...))lookup(library, "curl_easy_getinfo");
    out->easy_duphandle = (CURL * (*)(CURL *)) lookup(library, "curl_easy_duphandle");
    out->easy_reset = (void (*)(CURL *))lookup(library, "curl_easy_reset");
    out->easy_cleanup = (void (*)(CURL *))lookup(library, "curl_easy_cleanup");
    out->easy_strerror = (const char *(*)(CURLcode))lookup(library, "curl_easy_strerror");
    out->multi_init = (CURLM * (*)(void)) lookup(library, "curl_multi_init");
    out->multi_cleanup = (CURLMcode(*)(CURLM *))lookup(library, "curl_multi_cleanup");
    out->multi_setopt =
        (CURLMcode(*)(CURLM *, CURLMoption, ...))lookup(library, "curl_multi_setopt");
    out->multi_add_handle = (CURLMcode(*)(CURLM *, CURL *))lookup(library, "curl_multi_add_handle");
    out->multi_remove_handle =
        (CURLMcode(*)(CURLM *, CURL *))lookup(library, "curl_multi_remove_handle");
    out->multi_perform = (CURLMcode(*)(CURLM *, int *))lookup(library, "curl_multi_perform");
    out->multi_socket_action = (CURLMcode(*)(CURLM *, curl_socket_t, int, int *))lookup(
        library, "curl_multi_socket_action");
    out->multi_info_read = (CURLMsg * (*)(CURLM *, int *)) lookup(library, "curl_multi_info_read");
    out->multi_timeout = (CURLMcode(*)(CURLM *, long *))lookup(library, "curl_multi_timeout");
    out->multi_wait = (CURLMcode(*)(CURLM *, struct curl_waitfd *, unsigned, int, int *))lookup(
        library, "curl_multi_wait");
    out->multi_poll = (CURLMcode(*)(CURLM *, struct curl_waitfd *, unsigned, int, int *))lookup(
        library, "curl_multi_poll");
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

const struct real_curl *real_curl(void)
{
    const struct real_curl *table = atomic_load_explicit(&published_curl, memory_order_acquire);
    if(table)
        return table;
    struct real_curl candidate = {0};
    bind_from(NULL, &candidate);
    if(!complete(&candidate)) {
        void *library = find_loaded_libcurl();
        if(library)
            bind_from(library, &candidate);
    }
    if(!complete(&candidate))
        return NULL; /* no libcurl loaded (yet): asked again next time */
    /* Racing binders each make their own table; one is published, the others are dropped. */
    struct real_curl *mine = malloc(sizeof(*mine));
    if(!mine)
        return NULL;
    *mine = candidate;
    const struct real_curl *expected = NULL;
    if(!atomic_compare_exchange_strong(&published_curl, &expected, mine)) {
        free(mine);
        return expected;
    }
    return mine;
}

static _Atomic(int (*)(int, const struct sockaddr *, socklen_t)) bound_connect;

static int (*bind_connect(void))(int, const struct sockaddr *, socklen_t)
{
    int (*found)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    atomic_store_explicit(&bound_connect, found, memory_order_release);
    return found;
}

/* At load time the process has one thread: binding here means no connect() ever waits for it. */
__attribute__((constructor)) static void bind_connect_at_load(void)
{
    bind_connect();
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
