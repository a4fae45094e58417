/* Runs the command: sets the plan's TRYAGAIN_* variables and LD_PRELOAD, then execs. */
#ifndef TRYAGAIN_LAUNCHER_LAUNCH_H
#define TRYAGAIN_LAUNCHER_LAUNCH_H

#include "flags.h"

/* tryagain's own failure before the command ran (no library, an unusable path), as env(1),
   nice(1) and timeout(1) report it. */
#define EXIT_LAUNCHER_FAILED 125

/* Returns only when the command could not be started, with the status a shell would give
   (127 not found, 126 not executable) or 2 / 125; the message is already on stderr. */
int launch_command(const struct launch_plan *plan, char *const argv[]);

#endif
