/* Once per process, not per call: the environment is read under pthread_once, so a program's
   later setenv() neither races with nor changes the policy. */
#include "runtime/settings.h"

#include <pthread.h>
#include <stdlib.h>

#include "runtime/log.h"

__thread int runtime_in_transfer;

static struct tryagain_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static const char *lookup_environment(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

const struct tryagain_config *_Atomic runtime_config_ready;

static void load_config(void)
{
    config_parse(&config, lookup_environment, NULL, log_warning, NULL);
    log_open(&config);
    atomic_store_explicit(&runtime_config_ready, &config, memory_order_release);
}

const struct tryagain_config *runtime_config_load(void)
{
    pthread_once(&config_once, load_config);
    return &config;
}
