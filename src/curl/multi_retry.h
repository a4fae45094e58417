/* Retries for the transfers of a program's multi handle. A transfer to be retried is removed
   from the real multi and added again when its wait is over; meanwhile it still counts as
   running, the program's waits and timers are shortened to wake it when the retry is due, and
   its completion reaches the program only for the final attempt. Nothing here blocks: the
   program's own loop carries the transfer to its retry. */
#ifndef TRYAGAIN_CURL_MULTI_RETRY_H
#define TRYAGAIN_CURL_MULTI_RETRY_H

#include <curl/curl.h>
#include <stdbool.h>

#include "curl/handles.h"
#include "curl/multis.h"
#include "policy/config.h"
#include "runtime/real.h"

/* After the program added handle to the multi: its first attempt begins. */
void multi_retry_begin(const struct real_curl *real, struct multi_state *multi, CURL *handle,
                       struct handle_state *state, const struct tryagain_config *config);

/* Adds the transfers whose retry is due back to the real multi (at the program's calls). */
void multi_retry_start_waiting(const struct real_curl *real, struct multi_state *multi);
/* Inline, like the two below, for the test that is false on the success path: every
   curl_multi_* call of the program asks. */
static inline void multi_retry_start_due(const struct real_curl *real, struct multi_state *multi)
{
    if(multi->waiting_count)
        multi_retry_start_waiting(real, multi);
}

/* Reads the real multi's completions: a transfer to be retried starts waiting, the others'
   completions are queued for the program. */
void multi_retry_read_completions(const struct real_curl *real, struct multi_state *multi,
                                  const struct tryagain_config *config);
static inline void multi_retry_collect(const struct real_curl *real, struct multi_state *multi,
                                       const struct tryagain_config *config)
{
    if(!multi->completions_read)
        multi_retry_read_completions(real, multi, config);
}

/* Milliseconds until the next retry is due (0 when one is overdue), -1 when none waits. */
long multi_retry_due_in_ms(const struct multi_state *multi);

/* The program removed the transfer, reset or freed its handle, or cleaned up the multi: the
   library lets go of it, and a waiting retry is cancelled. */
void multi_retry_forget(struct multi_state *multi, struct handle_state *state);

/* Sets the program's timer (CURLMOPT_TIMERFUNCTION) to the sooner of libcurl's expiry and the
   next retry, when that changed. timers_ran: libcurl was just called for its timers
   (curl_multi_perform, or socket_action with CURL_SOCKET_TIMEOUT). */
void multi_retry_tell_timer(struct multi_state *multi, bool timers_ran);
static inline void multi_retry_update_timer(struct multi_state *multi, bool timers_ran)
{
    if(multi->program_timer)
        multi_retry_tell_timer(multi, timers_ran);
}

/* The timer callback the real multi calls in place of the program's; userp is the multi's state. */
int multi_retry_timer_callback(CURLM *multi, long timeout_ms, void *userp);

#endif
