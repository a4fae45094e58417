/* The wait of a connect() that failed with an error meaning "not listening yet": a time budget
   (connect_wait_plan), not a count of attempts.

   Retries reuse the program's own descriptor: on Linux a stream socket whose connect failed
   goes back to the unconnected state (TCP and unix alike, with its bound address and options
   kept), so connecting it again is exactly what the program would have done. Nothing about the
   descriptor is changed, not even for a moment. Blocking sockets (and non-blocking unix ones,
   whose connect() never waits) are retried here; non-blocking TCP ones in nonblocking.c. */
#include "connect/retry_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/real.h"
#include "runtime/resolved.h"
#include "runtime/settings.h"
#include "runtime/stats.h"

__thread int connect_inside_library;
__thread long long connect_resolve_wait_began_ms;

/* Which rules' resolutions gave this address: looked up only when a name rule could match the
   destination's port at all, so an unlisted connect() pays no lock. */
static void note_resolution(const struct tryagain_config *config, struct connect_call *call)
{
    uint16_t port = connect_address_port(call->address, call->length);
    if(port && connect_filter_names_may_match_port(&config->connect_to, port))
        resolved_lookup(call->address, call->length, &call->resolved, &call->not_last);
}

/* The wait for this call, with system calls only once the address alone says it may wait: a
   non-blocking connect() to an unlisted server costs a few comparisons. */
static enum connect_wait classify(const struct tryagain_config *config, int fd,
                                  const struct sockaddr *address, socklen_t length, int error,
                                  bool *nonblocking_tcp)
{
    if(config->max_attempts <= 1 || config->connect_kinds == 0)
        return CONNECT_WAIT_NONE; /* off: not even a system call to find out more */
    if(error == EINPROGRESS && config->connect_to.count == 0)
        return CONNECT_WAIT_NONE;
    struct connect_call call = {address, length, SOCK_STREAM, error == EINPROGRESS, 0, 0};
    if(config->connect_to.count && address && length >= (socklen_t)sizeof(sa_family_t))
        note_resolution(config, &call);
    if(connect_call_wait(config, &call) == CONNECT_WAIT_NONE)
        return CONNECT_WAIT_NONE;
    int flags = fcntl(fd, F_GETFL);
    int type;
    socklen_t type_length = sizeof(type);
    if(flags < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0)
        return CONNECT_WAIT_NONE;
    call.socket_type = type;
    call.nonblocking = (flags & O_NONBLOCK) != 0;
    enum connect_wait wait = connect_call_wait(config, &call);
    int kind = connect_kind_of_family(address->sa_family);
    *nonblocking_tcp = call.nonblocking && kind == CONNECT_TCP;
    bool in_progress = error == EINPROGRESS && *nonblocking_tcp;
    if(!in_progress && !connect_errno_retryable(kind, error))
        return CONNECT_WAIT_NONE;
    return wait;
}

/* The plan after a refused attempt, from the time since the wait began. */
static struct retry_plan connect_retry_next(const struct connect_retry *retry)
{
    long elapsed = (long)(clock_now_ms() - retry->started_ms);
    return connect_wait_plan(retry->config, retry->wait, elapsed, clock_random());
}

void connect_retry_log(const struct connect_retry *retry, const struct retry_plan *plan,
                       bool succeeded)
{
    enum log_event_kind kind = plan->retry                           ? EVENT_RETRY
                               : policy_gives_up(plan->reason, true) ? EVENT_GIVE_UP
                                                                     : EVENT_DONE;
    if(!runtime_log_wanted(kind))
        return;
    /* A wait polls often: TRYAGAIN_LOG=1 shows its first line and how it ends, 2 every poll. */
    if(kind == EVENT_RETRY && retry->attempt > 1 && retry->config->log_level < 2)
        return;
    char unknown[32];
    struct log_event event = {
        .kind = kind,
        .target = retry->target,
        .error = succeeded ? NULL : connect_errno_text(retry->error, unknown, sizeof(unknown)),
        .attempt = retry->attempt,
        .max_attempts = 0,
        .waited_ms = (long)(clock_now_ms() - retry->started_ms),
        .wait_ms = plan->wait_ms,
        .wait_reason = plan->wait_reason,
        .outcome = policy_reason_text(plan->reason),
    };
    runtime_log(&event);
}

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void note_local_binding(struct connect_retry *retry)
{
    socklen_t length = sizeof(retry->local);
    if(getsockname(retry->fd, (struct sockaddr *)&retry->local, &length) != 0)
        return;
    int no_port = 0;
    socklen_t option_length = sizeof(no_port);
    if(retry->local.ss_family == AF_INET || retry->local.ss_family == AF_INET6)
        getsockopt(retry->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &no_port, &option_length);
    if(connect_binding_needs_restoring((struct sockaddr *)&retry->local, length, no_port != 0))
        retry->local_length = length;
}

static bool sleep_for(struct connect_retry *retry, struct retry_plan *plan)
{
    long long wait_started = clock_now_ms();
    connect_inside_library = 0;
    bool slept = clock_sleep_ms(plan->wait_ms);
    connect_inside_library = 1;
    retry->waited_ms += clock_now_ms() - wait_started;
    if(!slept) {
        plan->retry = false;
        plan->reason = PLAN_INTERRUPTED;
    }
    return slept;
}

bool connect_retry_wait(struct connect_retry *retry)
{
    struct retry_plan plan = connect_retry_next(retry);
    connect_retry_log(retry, &plan, false);
    if(plan.retry && !sleep_for(retry, &plan))
        connect_retry_log(retry, &plan, false);
    if(!plan.retry)
        retry->reason = plan.reason;
    return plan.retry;
}

/* Binding again fails harmlessly (EINVAL) when the socket kept its port, and cannot be helped
   (EADDRINUSE) when another socket took the port meanwhile: then the retry goes ahead anyway. */
int connect_retry_attempt(struct connect_retry *retry)
{
    if(retry->local_length)
        bind(retry->fd, (const struct sockaddr *)&retry->local, retry->local_length);
    connect_inside_library = 0;
    int result = real_connect(retry->fd, retry->address, retry->length);
    connect_inside_library = 1;
    retry->error = result == 0 ? 0 : errno;
    retry->attempt++;
    return result;
}

/* Attempts until one succeeds, fails for another reason, or the budget is spent. Returns what
   the last real connect() returned, with its errno in retry->error. */
static int run_blocking(struct connect_retry *retry)
{
    for(;;) {
        if(!connect_retry_wait(retry))
            return -1;
        int result = connect_retry_attempt(retry);
        if(result == 0 || !connect_errno_retryable(retry->kind, retry->error)) {
            /* Success, or EINTR and the like, which the program sees as they are. */
            struct retry_plan last = {false, result == 0 ? PLAN_SUCCEEDED : PLAN_NOT_TRANSIENT, 0,
                                      WAIT_POLL};
            connect_retry_log(retry, &last, result == 0);
            retry->reason = last.reason;
            return result;
        }
    }
}

static void describe(struct connect_retry *retry)
{
    const struct connect_filter *filter = &retry->config->connect_to;
    const struct connect_rule *rule = NULL;
    if(retry->wait == CONNECT_WAIT_LISTED) {
        uint32_t resolved = 0, not_last = 0;
        resolved_lookup(retry->address, retry->length, &resolved, &not_last);
        int index = connect_filter_find(filter, retry->address, retry->length, resolved);
        if(index >= 0 && (resolved >> index & 1u))
            rule = &filter->rule[index];
    }
    connect_describe_listed(rule, retry->address, retry->length, retry->target,
                            sizeof(retry->target));
}

int connect_retry_failed(int fd, const struct sockaddr *address, socklen_t length, int error)
{
    connect_inside_library = 1;
    const struct tryagain_config *config = runtime_config();
    bool nonblocking_tcp = false;
    enum connect_wait wait = classify(config, fd, address, length, error, &nonblocking_tcp);
    if(wait == CONNECT_WAIT_NONE) {
        connect_inside_library = 0;
        errno = error;
        return -1;
    }
    struct connect_retry retry = {
        .config = config,
        .fd = fd,
        .address = address,
        .length = length,
        .kind = connect_kind_of_family(address->sa_family),
        .wait = wait,
        .attempt = 1,
        .error = error,
        .started_ms = clock_now_ms(),
    };
    long long began = connect_resolve_wait_began_ms;
    connect_resolve_wait_began_ms = 0;
    if(wait == CONNECT_WAIT_LISTED && began &&
       retry.started_ms - began < connect_wait_budget_ms(config, wait))
        retry.started_ms = began; /* the same wait that resolving the name began */
    describe(&retry);
    note_local_binding(&retry);
    int result = nonblocking_tcp ? connect_complete_nonblocking(&retry) : run_blocking(&retry);
    runtime_count_call(STATS_CONNECT, retry.attempt, result == 0,
                       policy_gives_up(retry.reason, result != 0), retry.waited_ms);
    connect_inside_library = 0;
    if(result != 0)
        errno = retry.error; /* exactly what the last real connect() said */
    return result;
}
