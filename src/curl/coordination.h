/* The hook side of coordinated retries (src/coordinate/): what one call of a handle does with
   its host's shared record. transfer.c and multi_retry.c call these four functions and
   nothing else of coordination. */
#ifndef TRYAGAIN_CURL_COORDINATION_H
#define TRYAGAIN_CURL_COORDINATION_H

#include <stdbool.h>

#include "policy/config.h"
#include "policy/retry_plan.h"

struct coord_host;
struct handle_state;

struct call_coordination {
    struct coord_host *host; /* the host's shared record; NULL: it has none, or off */
    bool reserved; /* the next attempt's slot is taken already */
    long long reserved_lessons; /* the host's lessons when it was taken */
    long long slot_at_us; /* when that slot comes (coord_now_us) */
    bool slotted; /* the attempt under way took a pacing slot */
    bool first_paced; /* multi: the transfer waits for its first attempt's slot, no retry */
    long paced; /* waits for a slot, for the stats */
    long long paced_ms;
};

/* At the start of a call: finds the host's record when the shared file exists; a call with a
   fallback host whose primary's breaker is open starts on the fallback (practices.c's switch). */
void coordination_begin(struct handle_state *state, const struct tryagain_config *config);
/* Before an attempt: how long to wait for the host's next slot (0: go now), at most
   PACE_RECHECK_US at a time. Asked again after that wait, as the spacing may have changed
   meanwhile (the slot is taken again then): 0 once the slot is good and has come. */
long coordination_pace_ms(struct handle_state *state);
/* After an attempt, on the plan policy_plan made: tells the host's record what happened, and
   turns a backoff after a throttle into a pacing slot, or withholds a retry after a failure
   when the host's budget is spent or its breaker open (with the breaker open, a call with a
   fallback retries there instead). A call on its fallback is judged under the fallback's
   record. */
void coordination_judge(struct handle_state *state, const struct tryagain_config *config,
                        struct retry_plan *plan, long elapsed_ms);
/* The call is over: its pacing counts in the stats. */
void coordination_finish(struct handle_state *state);

#endif
