/* The retry loop of a connect() that failed with an error meaning "not listening yet".

   Retries reuse the program's own descriptor: on Linux a stream socket whose blocking connect
   failed goes back to the unconnected state (TCP and unix alike, with its bound address and
   options kept), so connecting it again is exactly what the program would have done. Nothing
   about the descriptor is changed, not even for a moment. */
#include "connect/retry_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "policy/connect_rules.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/real.h"
#include "runtime/settings.h"
#include "runtime/stats.h"

__thread int connect_inside_library;

struct connect_retry {
    const struct tryagain_config *config;
    int fd;
    const struct sockaddr *address;
    socklen_t length;
    char target[128];
    int attempt;
    int error;
    enum plan_reason reason; /* why the attempts stopped */
    long previous_wait_ms;
    long long started_ms;
    long long waited_ms;
    struct sockaddr_storage local; /* the program's binding, when it must be restored */
    socklen_t local_length; /* 0: nothing to restore */
};

static bool descriptor_is_blocking(int fd, bool *blocking)
{
    int flags = fcntl(fd, F_GETFL);
    if(flags < 0)
        return false;
    *blocking = !(flags & O_NONBLOCK);
    return true;
}

static bool call_is_retryable(const struct tryagain_config *config, int fd,
                              const struct sockaddr *address, socklen_t length, int error)
{
    if(config->max_attempts <= 1 || config->connect_kinds == 0)
        return false; /* off: not even a system call to find out more */
    bool blocking;
    int type;
    socklen_t type_length = sizeof(type);
    if(!descriptor_is_blocking(fd, &blocking) ||
       getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0)
        return false;
    struct connect_call call = {address, length, type, !blocking};
    if(!connect_call_eligible(config, &call))
        return false;
    return connect_errno_retryable(connect_kind_of_family(address->sa_family), error);
}

static void log_attempt(const struct connect_retry *retry, const struct retry_plan *plan,
                        bool succeeded)
{
    char unknown[32];
    struct log_event event = {
        .kind = plan->retry                           ? EVENT_RETRY
                : policy_gives_up(plan->reason, true) ? EVENT_GIVE_UP
                                                      : EVENT_DONE,
        .method = NULL,
        .target = retry->target,
        .error = succeeded ? NULL : connect_errno_text(retry->error, unknown, sizeof(unknown)),
        .attempt = retry->attempt,
        .max_attempts = (int)retry->config->max_attempts,
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

/* Binding again fails harmlessly (EINVAL) when the socket kept its port, and cannot be helped
   (EADDRINUSE) when another socket took the port meanwhile: then the retry goes ahead anyway. */
static void restore_local_binding(const struct connect_retry *retry)
{
    if(retry->local_length)
        bind(retry->fd, (const struct sockaddr *)&retry->local, retry->local_length);
}

/* One more attempt after a wait. False when the wait was interrupted (plan then says so). */
static bool wait_and_attempt(struct connect_retry *retry, struct retry_plan *plan, int *result)
{
    long long wait_started = clock_now_ms();
    connect_inside_library = 0;
    bool slept = clock_sleep_ms(plan->wait_ms);
    if(slept) {
        restore_local_binding(retry);
        *result = real_connect(retry->fd, retry->address, retry->length);
        retry->error = *result == 0 ? 0 : errno;
    }
    connect_inside_library = 1;
    retry->waited_ms += clock_now_ms() - wait_started;
    if(!slept) {
        plan->retry = false;
        plan->reason = PLAN_INTERRUPTED;
        return false;
    }
    retry->previous_wait_ms = plan->wait_ms;
    retry->attempt++;
    return true;
}

/* Attempts until one succeeds, fails for another reason, or the policy stops. Returns what
   the last real connect() returned, with its errno in retry->error. */
static int run_retries(struct connect_retry *retry, int kind)
{
    int result = -1;
    for(;;) {
        long elapsed = (long)(clock_now_ms() - retry->started_ms);
        struct retry_plan plan = connect_retry_plan(retry->config, retry->attempt, elapsed,
                                                    retry->previous_wait_ms, clock_random());
        log_attempt(retry, &plan, false);
        if(plan.retry && !wait_and_attempt(retry, &plan, &result))
            log_attempt(retry, &plan, false);
        if(!plan.retry) {
            retry->reason = plan.reason;
            return -1;
        }
        if(result == 0 || !connect_errno_retryable(kind, retry->error)) {
            /* Success, or EINTR and the like, which the program sees as they are. */
            struct retry_plan last = {false, result == 0 ? PLAN_SUCCEEDED : PLAN_NOT_TRANSIENT, 0,
                                      WAIT_BACKOFF};
            log_attempt(retry, &last, result == 0);
            retry->reason = last.reason;
            return result;
        }
    }
}

int connect_retry_failed(int fd, const struct sockaddr *address, socklen_t length, int error)
{
    connect_inside_library = 1;
    const struct tryagain_config *config = runtime_config();
    if(!call_is_retryable(config, fd, address, length, error)) {
        connect_inside_library = 0;
        errno = error;
        return -1;
    }
    struct connect_retry retry = {
        .config = config,
        .fd = fd,
        .address = address,
        .length = length,
        .attempt = 1,
        .error = error,
        .started_ms = clock_now_ms(),
    };
    connect_describe_target(address, length, retry.target, sizeof(retry.target));
    note_local_binding(&retry);
    int result = run_retries(&retry, connect_kind_of_family(address->sa_family));
    runtime_count_call(STATS_CONNECT, retry.attempt, result == 0,
                       policy_gives_up(retry.reason, result != 0), retry.waited_ms);
    connect_inside_library = 0;
    if(result != 0)
        errno = retry.error; /* exactly what the last real connect() said */
    return result;
}
