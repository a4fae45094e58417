/* Before fork() every lock is taken, so no child is born with one held by a thread that does
   not exist there; after it both processes give them back. The child also draws from a fresh
   random seed, or parent and child would jitter in step. */
#include "runtime/fork_safety.h"

#include <pthread.h>

#include "runtime/clock.h"

static pthread_mutex_t locks[LOCK_COUNT] = {
    [LOCK_HANDLE_TABLE] = PTHREAD_MUTEX_INITIALIZER,
    [LOCK_MULTI_TABLE] = PTHREAD_MUTEX_INITIALIZER,
    [LOCK_LOG_FILE] = PTHREAD_MUTEX_INITIALIZER,
    [LOCK_RESOLVED_NAMES] = PTHREAD_MUTEX_INITIALIZER,
};

void lock_take(enum library_lock lock)
{
    pthread_mutex_lock(&locks[lock]);
}

void lock_give(enum library_lock lock)
{
    pthread_mutex_unlock(&locks[lock]);
}

static void take_all(void)
{
    for(int i = 0; i < LOCK_COUNT; i++)
        pthread_mutex_lock(&locks[i]);
}

static void give_all(void)
{
    for(int i = LOCK_COUNT - 1; i >= 0; i--)
        pthread_mutex_unlock(&locks[i]);
}

static void give_all_in_child(void)
{
    give_all();
    clock_after_fork_in_child();
}

/* At load time, while the process has one thread. */
__attribute__((constructor)) static void register_fork_handlers(void)
{
    pthread_atfork(take_all, give_all, give_all_in_child);
}
