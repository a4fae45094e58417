/* The process's one mapping of the shared file, published with a compare-and-swap (racing
   threads each map it; the loser unmaps), so no lock is needed. A file that is missing is
   looked for again at most once a second; one that is damaged or foreign is given up on for
   the process's life, with one warning. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "coordinate/coordinate.h"
#include "coordinate/shared_file.h"
#include "runtime/log.h"

#define PROBE_EVERY_US 1000000LL

static _Atomic(struct coord_file *) mapped;
static atomic_bool given_up;
static atomic_llong next_probe_us;
static char path[512];
static bool path_known;
static pthread_once_t path_once = PTHREAD_ONCE_INIT;

int64_t coord_now_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static void find_path(void)
{
    path_known = coord_state_path(getenv("XDG_RUNTIME_DIR"), geteuid(), path, sizeof(path));
}

const char *coord_path(void)
{
    pthread_once(&path_once, find_path);
    return path_known ? path : NULL;
}

struct coord_file *coord_mapped(void)
{
    return atomic_load_explicit(&mapped, memory_order_acquire);
}

static void give_up(enum coord_open_result result)
{
    if(atomic_exchange(&given_up, true))
        return;
    char line[768];
    snprintf(line, sizeof(line),
             "tryagain: warning: coordination state %s is %s; running uncoordinated", path,
             coord_open_result_text(result));
    log_warning(line, NULL);
}

bool coord_attach(bool create)
{
    if(coord_mapped())
        return true;
    if(atomic_load_explicit(&given_up, memory_order_relaxed))
        return false;
    int64_t now = coord_now_us();
    if(!create && now < atomic_load_explicit(&next_probe_us, memory_order_relaxed))
        return false;
    atomic_store_explicit(&next_probe_us, now + PROBE_EVERY_US, memory_order_relaxed);
    if(!coord_path())
        return false;
    struct coord_file *file = NULL;
    enum coord_open_result result = coord_file_open(path, create, true, &file);
    if(result == COORD_ABSENT)
        return false;
    if(result != COORD_OPENED) {
        give_up(result);
        return false;
    }
    struct coord_file *expected = NULL;
    if(!atomic_compare_exchange_strong(&mapped, &expected, file))
        coord_file_close(file);
    return true;
}
