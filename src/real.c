/* libcurl is found, never loaded: RTLD_NEXT sees a libcurl the program linked; one it
   dlopen()ed with RTLD_LOCAL (pycurl, PHP) is only reachable by name with RTLD_NOLOAD. */
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

static struct real_curl bound_curl;
static _Atomic(const struct real_curl *) published_curl;
static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;

static void *lookup(void *library, const char *name)
{
    return dlsym(library ? library : RTLD_NEXT, name);
}

static void *find_loaded_libcurl(void)
{
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4",
                                        "libcurl-nss.so.4", "libcurl.so.3"};
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
}

static bool complete(const struct real_curl *table)
{
    return table->easy_perform && table->easy_setopt && table->easy_getinfo &&
           table->easy_duphandle && table->easy_reset && table->easy_cleanup &&
           table->easy_strerror;
}

const struct real_curl *real_curl(void)
{
    const struct real_curl *table = atomic_load_explicit(&published_curl, memory_order_acquire);
    if(table)
        return table;
    pthread_mutex_lock(&bind_lock);
    table = atomic_load_explicit(&published_curl, memory_order_relaxed);
    if(!table) {
        struct real_curl candidate = {0};
        bind_from(NULL, &candidate);
        if(!complete(&candidate)) {
            void *library = find_loaded_libcurl();
            if(library)
                bind_from(library, &candidate);
        }
        if(complete(&candidate)) {
            bound_curl = candidate;
            table = &bound_curl;
            atomic_store_explicit(&published_curl, table, memory_order_release);
        }
    }
    pthread_mutex_unlock(&bind_lock);
    return table;
}

static int (*bound_connect)(int, const struct sockaddr *, socklen_t);
static pthread_once_t connect_once = PTHREAD_ONCE_INIT;

static void bind_connect(void)
{
    bound_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
}

int real_connect(int fd, const struct sockaddr *address, socklen_t length)
{
    pthread_once(&connect_once, bind_connect);
    if(!bound_connect) {
        errno = ENOSYS;
        return -1;
    }
    return bound_connect(fd, address, length);
}

void real_lock(void)
{
    pthread_mutex_lock(&bind_lock);
}

void real_unlock(void)
{
    pthread_mutex_unlock(&bind_lock);
}
