/* The attempt loop of one curl_easy_perform call. */
#ifndef TRYAGAIN_CURL_TRANSFER_H
#define TRYAGAIN_CURL_TRANSFER_H

#include <curl/curl.h>

#include "curl/handles.h"
#include "policy/config.h"
#include "runtime/real.h"

/* Performs with retries; returns the final attempt's code, as curl_easy_perform would. */
CURLcode transfer_perform(const struct real_curl *real, CURL *handle, struct handle_state *state,
                          const struct tryagain_config *config);

/* The steps of one retried call, shared by the easy loop above and the multi interface
   (curl/multi_retry.c), which waits without blocking between attempts. */

/* Before the first attempt: the library's callbacks on the real handle, a fresh call state. */
void transfer_begin(const struct real_curl *real, CURL *handle, struct handle_state *state,
                    const struct tryagain_config *config);
/* After an attempt ended with code: what to do next, logged; the upload is rewound when the
   plan is a retry (and the plan says not, when it cannot be). */
struct retry_plan transfer_judge(const struct real_curl *real, CURL *handle,
                                 struct handle_state *state, const struct tryagain_config *config,
                                 CURLcode code);
/* Logs the latest attempt again under a changed plan (a wait that did not happen). */
void transfer_log(const struct real_curl *real, const struct handle_state *state,
                  const struct tryagain_config *config, const struct retry_plan *plan);
/* After the wait: what was held of the last attempt is dropped, and the next one begins. */
void transfer_next_attempt(struct handle_state *state, long waited_for_ms);
/* The attempt is final: the program is shown its response; returns the code it gets. */
CURLcode transfer_finish(struct handle_state *state, CURLcode code, const struct retry_plan *plan);

/* The gate's callbacks on the real handle, in place of the program's write and header
   functions and their data (kept in state->program): done when the program first sets one of
   those, so its own setopt calls for the others need not reach libcurl, or at the first retried
   call. CURLOPT_HEADER stays the program's outside a retried call: libcurl puts only HTTP
   headers in the body, and a file:// or ftp:// transfer's header lines must stay out of it. */
void transfer_install_callbacks(const struct real_curl *real, CURL *handle,
                                struct handle_state *state);

/* The call is over, or given up mid-call: the program's own values back on the real handle
   (its header list, its URL, its CURLOPT_HEADER). */
void transfer_give_back(struct handle_state *state);

/* After curl_easy_duphandle: point the copy's callbacks at its own state. */
void transfer_adopt_duplicate(const struct real_curl *real, CURL *handle,
                              struct handle_state *state);

#endif
