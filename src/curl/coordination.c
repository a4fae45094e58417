/* Costs nothing until some host throttles: coordination_begin then finds no file (looked for
   at most once a second), and coordination_judge returns at once on a success. */
#include "curl/coordination.h"

#include <curl/curl.h>
#include <stdio.h>

#include "coordinate/coordinate.h"
#include "curl/handles.h"
#include "curl/practices.h"
#include "policy/origin.h"
#include "policy/pacing.h"
#include "policy/ratelimit.h"
#include "runtime/log.h"
#include "runtime/stats.h"

/* The record of the host a URL goes to: the primary's, or the fallback's once the call is
   there (a fallback's answers say nothing of the primary). */
static struct coord_host *find_host(const char *url, bool create)
{
    char origin[ORIGIN_MAX];
    if(!url || !origin_of_url(url, origin, sizeof(origin)))
        return NULL;
    if(!coord_attach(create))
        return NULL;
    return coord_find(origin, create);
}

/* find_host for the program's own URL, with the origin the handle keeps: a lookup that finds
   nothing (a host that never throttled, while another one did) costs little more than the
   probe of the shared file. */
static struct coord_host *find_primary_host(struct handle_state *state, bool create)
{
    struct program_settings *program = &state->program;
    if(!program->origin_known) {
        program->origin_known =
            program->url && origin_of_url(program->url, program->origin, sizeof(program->origin))
                ? 1
                : 2;
        if(program->origin_known == 1)
            program->origin_key = origin_hash(program->origin);
    }
    if(program->origin_known != 1 || !coord_attach(create))
        return NULL;
    return coord_find_keyed(program->origin, program->origin_key, create);
}

/* The host the call's next attempt goes to: the program's URL, or the fallback's. */
static struct coord_host *find_attempt_host(struct handle_state *state, bool create)
{
    const char *url = practices_attempt_url(state);
    return url == state->program.url ? find_primary_host(state, create) : find_host(url, create);
}

/* The next attempt goes to another host (a fallback): its record from now on, if it has one
   (made at its first throttle or failure, as for any host), and nothing held of the last. */
static void follow_to_next_host(struct handle_state *state)
{
    struct call_coordination *coord = &state->call.coord;
    coord->host = find_host(practices_next_url(state), false);
    coord->reserved = false;
    coord->slotted = false;
    if(coord->host)
        coord_note_request(coord->host);
}

/* The host's breaker sends the call to its fallback: the switch practices_judged makes for
   the primary's own failures, with the breaker as the reason. */
static bool fall_back(struct handle_state *state, const struct tryagain_config *config)
{
    char origin[ORIGIN_MAX], why[ORIGIN_MAX + 32];
    if(!origin_of_url(practices_attempt_url(state), origin, sizeof(origin)))
        return false;
    snprintf(why, sizeof(why), "circuit open on %s", origin);
    if(!practices_fall_back(state, config, why))
        return false;
    follow_to_next_host(state);
    return true;
}

void coordination_begin(struct handle_state *state, const struct tryagain_config *config)
{
    struct call_coordination *coord = &state->call.coord;
    *coord = (struct call_coordination){0};
    if(!config->coordinate || !coord_attach(false))
        return;
    coord->host = find_primary_host(state, false);
    if(!coord->host)
        return;
    coord_note_request(coord->host);
    /* A call with a fallback does not send its first attempt to a host the breaker keeps
       everyone from; without one it goes, and the program sees the host's real answer. Only a
       call with a fallback asks, so only it may take a half-open breaker's probe. */
    if(!practices_can_fall_back(state, config))
        return;
    if(breaker_route(coord_kept_away(coord->host), false, true) == BREAKER_TO_FALLBACK &&
       fall_back(state, config))
        practices_next_attempt(state); /* the first attempt's URL: the fallback's */
}

static long to_ms(int64_t us)
{
    return (long)((us + 500) / 1000); /* the nearest: sleeps are whole milliseconds */
}

/* Takes the host's next slot, not before floor_ms from now; the wait until it (0: now, and
   nothing is held). */
static long reserve(struct call_coordination *coord, long floor_ms)
{
    coord->reserved_lessons = coord_lessons(coord->host);
    int64_t now = coord_now_us();
    int64_t wait_us = coord_reserve(coord->host, floor_ms > 0 ? now + (int64_t)floor_ms * 1000 : 0);
    coord->slot_at_us = now + (wait_us > 0 ? wait_us : 0);
    coord->slotted = wait_us >= 0;
    long wait_ms = wait_us > 0 ? to_ms(wait_us) : 0;
    coord->reserved = wait_ms > 0;
    if(wait_ms > 0) {
        coord->paced++;
        coord->paced_ms += wait_ms;
    }
    return wait_ms;
}

long coordination_pace_ms(struct handle_state *state)
{
    struct call_coordination *coord = &state->call.coord;
    if(!coord->host)
        return 0;
    long wait_ms;
    if(coord->reserved && coord_lessons(coord->host) == coord->reserved_lessons) {
        wait_ms = to_ms(coord->slot_at_us - coord_now_us());
        if(wait_ms <= 0) {
            coord->reserved = false; /* the slot has come */
            return 0;
        }
    }
    else {
        wait_ms = reserve(coord, 0);
    }
    /* A long wait is cut short to look again: when the host's spacing changes (a lesson), the
       slots are taken anew, and a queue laid out at a spacing found too slow closes up. */
    return wait_ms > PACE_RECHECK_US / 1000 ? (long)(PACE_RECHECK_US / 1000) : wait_ms;
}

/* The rate-limit headers' advice: > 0 a spacing in us, -1 plenty left, 0 none. */
static int64_t header_advice(const struct gate *gate)
{
    struct ratelimit_info info;
    if(!gate->ratelimit_length ||
       !ratelimit_parse(gate->ratelimit, gate->ratelimit_length, log_wall_ms(), &info))
        return 0;
    long long interval = ratelimit_interval_us(&info);
    return interval > 0 ? interval : info.remaining >= 0 ? -1 : 0;
}

static void withhold(struct retry_plan *plan, enum plan_reason reason)
{
    plan->retry = false;
    plan->reason = reason;
    plan->wait_ms = 0;
    plan->wait_reason = WAIT_BACKOFF;
}

void coordination_judge(struct handle_state *state, const struct tryagain_config *config,
                        struct retry_plan *plan, long elapsed_ms)
{
    if(!config->coordinate)
        return;
    const struct attempt_result *last = &state->call.last;
    bool transport_failed = last->curl_code != CURLE_OK && last->http_status == 0;
    enum pace_event event =
        pace_classify(last->http_status, policy_transient_curl_code(last->curl_code),
                      last->retry_after_ms, transport_failed);
    int64_t advice = header_advice(&state->gate);
    struct call_coordination *coord = &state->call.coord;
    if(!coord->host) {
        if(event != PACE_THROTTLE && event != PACE_FAILURE && advice <= 0)
            return; /* the success path: nothing to share */
        coord->host = find_attempt_host(state, true);
        if(!coord->host)
            return;
        coord_note_request(coord->host);
    }
    coord_note(coord->host, event, coord->slotted, advice);
    if(!plan->retry)
        return;
    if(practices_moving(state)) {
        /* The retry goes to the fallback already: the host just left paces and withholds
           nothing of it. */
        follow_to_next_host(state);
        return;
    }
    bool retry_after = plan->wait_reason == WAIT_RETRY_AFTER && last->retry_after_ms >= 0;
    if(event == PACE_THROTTLE && retry_after && last->retry_after_ms < plan->wait_ms &&
       coord_pacing(coord->host)) {
        /* The Retry-After itself, without the jitter added to it: the host's slots after it
           spread the processes told the same time, and the jitter would only leave the first
           of those slots idle. */
        plan->wait_ms = last->retry_after_ms;
    }
    if(event == PACE_THROTTLE && (plan->wait_reason == WAIT_BACKOFF || retry_after) &&
       to_ms(coord_slot_ahead(coord->host)) > plan->wait_ms) {
        /* The host's queue is longer than this process's own backoff or Retry-After: the
           retry takes its slot in it now (it lies beyond that wait, which stays its floor).
           Otherwise that wait is the wait, a floor, and the slot is taken when it is over, so
           a process alone with a host backs off as it always did. */
        long wait_ms = reserve(coord, retry_after ? plan->wait_ms : 0);
        if(config->deadline_ms > 0 && elapsed_ms + wait_ms > config->deadline_ms) {
            withhold(plan, PLAN_DEADLINE);
            return;
        }
        plan->wait_ms = wait_ms;
        plan->wait_reason = WAIT_PACING;
    }
    else if(event == PACE_FAILURE) {
        switch(coord_may_retry(coord->host)) {
        case COORD_RETRY:
            break;
        case COORD_BUDGET_SPENT:
            withhold(plan, PLAN_BUDGET_SPENT);
            break;
        case COORD_CIRCUIT_OPEN:
            if(breaker_route(true, true, practices_can_fall_back(state, config)) !=
                   BREAKER_TO_FALLBACK ||
               !fall_back(state, config)) {
                coord_count_withheld(coord->host);
                withhold(plan, PLAN_CIRCUIT_OPEN);
            }
            break;
        }
    }
}

void coordination_finish(struct handle_state *state)
{
    struct call_coordination *coord = &state->call.coord;
    runtime_count_paced(coord->paced, coord->paced_ms);
}
