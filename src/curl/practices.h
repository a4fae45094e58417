/* The retry guide's practices, done for the program: an idempotency key on every attempt of a
   non-idempotent request (TRYAGAIN_IDEMPOTENCY_KEY), a fallback host once the primary keeps
   failing (TRYAGAIN_FALLBACK), and the server's request id and a per-call id on every log line.
   The decisions are policy/'s (request_id.c, uuid.c, idempotency.c, fallback.c); this file
   applies them to a handle, from four calls in curl/transfer.c's steps, so the easy loop and
   the multi interface (curl/multi_retry.c) do the same.

   What the library sets on the real handle for a call (its header list with the key in front,
   the fallback's URL) is the program's value plus the library's, and is put back to the
   program's own value when the call ends: between calls the real handle holds exactly what the
   program set, so curl_easy_duphandle and curl_easy_reset find nothing of the library's. */
#ifndef TRYAGAIN_CURL_PRACTICES_H
#define TRYAGAIN_CURL_PRACTICES_H

#include <curl/curl.h>
#include <stdbool.h>

#include "policy/config.h"
#include "policy/fallback.h"
#include "policy/idempotency.h"
#include "policy/log_format.h"
#include "policy/origin.h"
#include "policy/retry_plan.h"
#include "policy/uuid.h"
#include "runtime/real.h"

/* Part of a handle's call state (curl/handles.h): fresh for every call. */
struct practice_call {
    const struct real_curl *real; /* of the call under way */
    bool key_added; /* key_node is in front of the program's headers on the real handle */
    char *fallback_url; /* owned: the URL on the real handle, NULL while on the primary */
    char *next_url; /* owned: the fallback's URL for the next attempt, once judged due */
    int host_failures; /* consecutive retryable failures on the current host */
    struct curl_slist key_node; /* libcurl only reads a header list: no allocation needed */
    /* Text last: practices_init clears the fields above and the first byte of each of these,
       not their 800 bytes (a new handle per transfer is how curl -Z works). */
    char call_id[UUID_TEXT_SIZE]; /* "" unless the JSON log is on */
    char key_line[IDEMPOTENCY_LINE_MAX];
    char fallback_for[FALLBACK_HOST_MAX + 8]; /* the primary's host[:port] */
    char next_host[FALLBACK_HOST_MAX + 8]; /* the fallback's, for the line announcing it */
    char fallback_why[ORIGIN_MAX + 32]; /* why, when not the primary's own failures: "circuit
                                           open on scheme://host:port"; else "" */
};

struct handle_state;

/* Empty: no key, no fallback, no text. */
void practices_init(struct practice_call *practice);

/* transfer_begin: the call's id, its key. Returns whether the request now counts as idempotent
   (it was already, or it carries a key the server can tell a repeat by). */
bool practices_begin(const struct real_curl *real, CURL *handle, struct handle_state *state,
                     const struct tryagain_config *config, bool idempotent);
/* transfer_judge, once the plan for the next step is made, before the upload is rewound and the
   attempt logged: counts the host's failure, and when the fallback is due the next attempt goes
   there (a Retry-After too long to wait for on the primary becomes a backoff to the fallback). */
void practices_judged(struct handle_state *state, const struct tryagain_config *config,
                      struct retry_plan *plan);
/* Asked with the gate's question (hold this response's body?): true when an outcome that the
   plan would not retry (reason) still sends the call to the fallback, so the program must not
   be shown it yet. */
bool practices_may_fall_back(const struct handle_state *state, const struct tryagain_config *config,
                             enum plan_reason reason);
/* The call is still on its primary, and the primary has a fallback. */
bool practices_can_fall_back(const struct handle_state *state,
                             const struct tryagain_config *config);
/* The same switch as practices_judged's, for a reason of coordination's (the host's shared
   breaker is open): the call's next attempt, its first too, goes to the fallback; why is the
   reason for the log. False when the call has no fallback (or its URL cannot be made). */
bool practices_fall_back(struct handle_state *state, const struct tryagain_config *config,
                         const char *why);
/* The URL the next attempt goes to: the fallback's once the switch is due. */
const char *practices_next_url(const struct handle_state *state);
/* The switch is due: the next attempt goes to another host than the last. */
bool practices_moving(const struct handle_state *state);
/* transfer_next_attempt: the real handle gets the fallback's URL when it is due. */
void practices_next_attempt(struct handle_state *state);
/* The log line's ids and host, from the attempt just ended. */
void practices_log_fields(const struct handle_state *state, struct log_event *event);
/* The URL the latest attempt went to. */
const char *practices_attempt_url(const struct handle_state *state);
/* transfer_finish: the real handle gets the program's own values back. */
void practices_finish(struct handle_state *state);
/* The handle's state is dropped or reset: what the call owned is freed. */
void practices_forget(struct practice_call *practice);

#endif
