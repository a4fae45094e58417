/* Another preload library, standing for libfaketime, proxychains or a profiler: it wraps
   connect() and curl_easy_perform(), forwards each call to the next definition, and counts the
   calls it saw. At exit it prints "interposer connect=N perform=N" on stderr, so a test can
   tell which layer repeated the calls: placed before tryagain it sees the program's calls
   once; placed after it, it sees every attempt tryagain makes. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

static atomic_int connect_calls;
static atomic_int perform_calls;

EXPORT int connect(int fd, const struct sockaddr *address, socklen_t length)
{
    static int (*next_connect)(int, const struct sockaddr *, socklen_t);
    if(!next_connect)
        *(void **)&next_connect = dlsym(RTLD_NEXT, "connect");
    atomic_fetch_add(&connect_calls, 1);
    return next_connect(fd, address, length);
}

/* The program's libcurl may be loaded late, so the next definition is looked up per call. */
EXPORT int curl_easy_perform(void *handle)
{
    int (*next_perform)(void *);
    *(void **)&next_perform = dlsym(RTLD_NEXT, "curl_easy_perform");
    if(!next_perform)
        return 2; /* CURLE_FAILED_INIT */
    atomic_fetch_add(&perform_calls, 1);
    return next_perform(handle);
}

__attribute__((destructor)) static void report_counts(void)
{
    char line[96];
    int length = snprintf(line, sizeof(line), "interposer connect=%d perform=%d\n",
                          atomic_load(&connect_calls), atomic_load(&perform_calls));
    if(length > 0 && write(STDERR_FILENO, line, (size_t)length) < 0)
        return;
}
