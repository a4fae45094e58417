/* Coordinated retries: what the processes of one user share about each host (scheme, host,
   port) once it has throttled or failed. The file is made only then; before, a process pays
   one failed open() a second at most, and nothing per transfer. Everything is lock-free. */
#ifndef TRYAGAIN_COORDINATE_H
#define TRYAGAIN_COORDINATE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/pacing.h"

struct coord_host;

int64_t coord_now_us(void);

/* The shared file, attached once per process: with create, made when missing; without, looked
   for at most once a second. False when it is absent, damaged, foreign or cannot be made (one
   warning then, and the process runs on uncoordinated). */
bool coord_attach(bool create);

/* The host's record; with create, claimed when missing. NULL when not attached or full. */
struct coord_host *coord_find(const char *origin, bool create);
/* The same, with origin_hash(origin) worked out already (a handle keeps its URL's). */
struct coord_host *coord_find_keyed(const char *origin, uint64_t key, bool create);

/* A first attempt (a request) was made: the budget grows by its share. */
void coord_note_request(struct coord_host *host);
/* What an attempt's response said; slotted: the attempt took a pacing slot; header_interval_us:
   the rate-limit headers' advice (>0 a spacing, <0 plenty left, 0 none). */
void coord_note(struct coord_host *host, enum pace_event event, bool slotted,
                int64_t header_interval_us);
bool coord_pacing(struct coord_host *host);
/* Reserves the next slot of a paced host, at or after earliest_us; returns the wait in us
   (0 when the slot is now), -1 when the host is not paced. */
int64_t coord_reserve(struct coord_host *host, int64_t earliest_us);

/* How far ahead the host's next free slot is, in us (0: now), -1 when it is not paced. */
int64_t coord_slot_ahead(struct coord_host *host);

/* Bumped each time the host's spacing grows: a slot taken before it is too early now. */
int64_t coord_lessons(struct coord_host *host);

enum coord_verdict { COORD_RETRY, COORD_BUDGET_SPENT, COORD_CIRCUIT_OPEN };
/* May a retry after a failure go? Takes a token, or the half-open probe, when it may. A
   spent budget counts as withheld at once; an open breaker only when the caller says it
   withheld the retry (coord_count_withheld), as it may send it to a fallback instead. */
enum coord_verdict coord_may_retry(struct coord_host *host);
void coord_count_withheld(struct coord_host *host);
/* Before a first attempt that has somewhere else to go: true when the breaker keeps attempts
   from the host now (open, or half-open with the probe another process's); false when it is
   closed, or half-open and this attempt takes the probe. */
bool coord_kept_away(struct coord_host *host);

/* For tests and tryagain status: the file's path (NULL when no place is usable). */
const char *coord_path(void);

#endif
