#include "runtime/clock.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

long long clock_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool clock_sleep_ms(long ms)
{
    if(ms <= 0)
        return true;
    struct timespec wait = {ms / 1000, (ms % 1000) * 1000000L};
    /* No resuming after EINTR: an interrupted wait is the program asking for control back. */
    return nanosleep(&wait, NULL) == 0;
}

static __thread uint64_t random_state;
static __thread unsigned random_generation;
static unsigned fork_generation = 1;

void clock_after_fork_in_child(void)
{
    fork_generation++;
}

uint64_t clock_random(void)
{
    /* Reseeded after fork(), or parent and child would jitter in lockstep. A counter bumped in
       the child stands for the pid: getpid() would be a system call on every draw. */
    if(random_generation != fork_generation) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        random_state = ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)now.tv_sec ^
                       ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&random_state;
        random_state |= 1;
        random_generation = fork_generation;
    }
    /* xorshift64* */
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545F4914F6CDD1DULL;
}

void clock_random_bytes(void *out, size_t length)
{
    int saved_errno = errno; /* the program's, whatever the kernel says */
    unsigned char *bytes = out;
    size_t filled = 0;
    while(filled < length) {
        ssize_t got = getrandom(bytes + filled, length - filled, GRND_NONBLOCK);
        if(got > 0) {
            filled += (size_t)got;
            continue;
        }
        if(got < 0 && errno == EINTR)
            continue;
        break;
    }
    while(filled < length) {
        uint64_t value = clock_random();
        size_t take = length - filled < sizeof(value) ? length - filled : sizeof(value);
        memcpy(bytes + filled, &value, take);
        filled += take;
    }
    errno = saved_errno;
}
