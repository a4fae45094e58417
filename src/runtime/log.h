/* Where log lines go (stderr or TRYAGAIN_LOG_FILE) and when they are wanted. */
#ifndef TRYAGAIN_RUNTIME_LOG_H
#define TRYAGAIN_RUNTIME_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/config.h"
#include "policy/log_format.h"

/* Opens TRYAGAIN_LOG_FILE when logging or stats are on; called once, with the policy just read. */
void log_open(const struct tryagain_config *config);

/* Whether TRYAGAIN_LOG asks for events of this kind (retries and give-ups at 1, all at 2):
   callers can skip preparing an event nobody will see. */
bool runtime_log_wanted(enum log_event_kind kind);
/* Writes the event when TRYAGAIN_LOG asks for it. */
void runtime_log(const struct log_event *event);
/* Writes a finished line (ending in '\n') to the log's destination. */
void log_write_line(const char *line, size_t length);

/* One warning line (no newline) on stderr: config_parse's warn callback. */
void log_warning(const char *line, void *ctx);

/* Milliseconds since the epoch, for the JSON "time". */
long long log_wall_ms(void);

#endif
