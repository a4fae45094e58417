/* tryagain status: what this user's processes share about each host (src/coordinate/), read
   from the state file without changing it. */
#ifndef TRYAGAIN_LAUNCHER_STATUS_H
#define TRYAGAIN_LAUNCHER_STATUS_H

#include <stdio.h>

/* Writes one block per host to out; 0 when the file was read (or there is none yet), 1 when
   it cannot be trusted. */
int status_run(FILE *out);

#endif
