/* Nanoseconds per dlsym() of a name the library does not hook ("strlen"), asked of libc's own
   handle and of RTLD_DEFAULT: what every other lookup pays for the dlsym hook. Prints the
   best round of each, "HANDLE_NS DEFAULT_NS".

     bench_dlsym [CALLS_PER_ROUND [ROUNDS]] */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

static double best_per_call(void *handle, long calls, int rounds)
{
    double best = -1;
    for(int round = 0; round < rounds; round++) {
        double started = now_ns();
        for(long i = 0; i < calls; i++) {
            if(!dlsym(handle, "strlen")) {
                fprintf(stderr, "dlsym: %s\n", dlerror());
                exit(1);
            }
        }
        double per_call = (now_ns() - started) / (double)calls;
        if(best < 0 || per_call < best)
            best = per_call;
    }
    return best;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if(!libc) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    double handle_ns = best_per_call(libc, calls, rounds);
    double default_ns = best_per_call(RTLD_DEFAULT, calls, rounds);
    printf("%.1f %.1f\n", handle_ns, default_ns);
    return 0;
}
