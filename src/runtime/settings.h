/* The policy of this process, read once from the environment. */
#ifndef TRYAGAIN_RUNTIME_SETTINGS_H
#define TRYAGAIN_RUNTIME_SETTINGS_H

#include "policy/config.h"

/* Read from the environment on first use; bad values are warned about on stderr then. */
const struct tryagain_config *runtime_config(void);

/* Set while this thread is inside a retried libcurl transfer: connect() then stays out. */
extern __thread int runtime_in_transfer;

#endif
