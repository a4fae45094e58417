/* The policy of this process, read once from the environment. */
#ifndef TRYAGAIN_RUNTIME_SETTINGS_H
#define TRYAGAIN_RUNTIME_SETTINGS_H

#include <stdatomic.h>

#include "policy/config.h"

/* Read from the environment on first use; bad values are warned about on stderr then. Asked
   dozens of times per transfer, so once it is read the answer is one load, inline. */
const struct tryagain_config *runtime_config_load(void);
extern const struct tryagain_config *_Atomic runtime_config_ready
    __attribute__((visibility("hidden")));
static inline const struct tryagain_config *runtime_config(void)
{
    const struct tryagain_config *ready =
        atomic_load_explicit(&runtime_config_ready, memory_order_acquire);
    return __builtin_expect(ready != NULL, 1) ? ready : runtime_config_load();
}

/* Set while this thread is inside a retried libcurl transfer: connect() then stays out. */
extern __thread int runtime_in_transfer;

#endif
