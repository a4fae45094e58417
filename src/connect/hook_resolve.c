/* The exported getaddrinfo(). connect() sees only addresses, so a server listed by name in
   TRYAGAIN_CONNECT_TO (db:5432) is recognised through the program's own resolution: the
   addresses a listed name resolves to are noted (runtime/resolved.c), in order, so connect()
   knows which listed name an address stands for and whether it is the last of them. A listed
   name that does not resolve yet (EAI_NONAME, EAI_AGAIN: a compose service whose container does
   not exist yet) is resolved again within the same wait as the connect() that follows.

   A name that is not listed costs one comparison per listed name after the real call. */
#include <netdb.h>

#include "connect/retry_loop.h"
#include "policy/connect_rules.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/real.h"
#include "runtime/resolved.h"
#include "runtime/settings.h"

#define EXPORT __attribute__((visibility("default")))

static bool not_resolvable_yet(int result)
{
    return result == EAI_NONAME || result == EAI_AGAIN
#ifdef EAI_NODATA
           || result == EAI_NODATA
#endif
        ;
}

static void log_resolve(const char *node, int result, int attempt, long long started_ms,
                        const struct retry_plan *plan)
{
    enum log_event_kind kind = plan->retry                           ? EVENT_RETRY
                               : policy_gives_up(plan->reason, true) ? EVENT_GIVE_UP
                                                                     : EVENT_DONE;
    if(!runtime_log_wanted(kind))
        return;
    if(kind == EVENT_RETRY && attempt > 1 && runtime_config()->log_level < 2)
        return;
    struct log_event event = {
        .kind = kind,
        .call = "resolve",
        .target = node,
        .error = result == 0 ? NULL : gai_strerror(result),
        .attempt = attempt,
        .waited_ms = (long)(clock_now_ms() - started_ms),
        .wait_ms = plan->wait_ms,
        .wait_reason = plan->wait_reason,
        .outcome = policy_reason_text(plan->reason),
    };
    runtime_log(&event);
}

static int resolve_again(const struct tryagain_config *config, const char *node,
                         const char *service, const struct addrinfo *hints, struct addrinfo **list,
                         int result)
{
    long long started = clock_now_ms();
    int attempt = 1;
    while(not_resolvable_yet(result)) {
        long elapsed = (long)(clock_now_ms() - started);
        struct retry_plan plan =
            connect_wait_plan(config, CONNECT_WAIT_LISTED, elapsed, clock_random());
        log_resolve(node, result, attempt, started, &plan);
        if(!plan.retry)
            return result;
        connect_inside_library = 0;
        bool slept = clock_sleep_ms(plan.wait_ms);
        if(slept)
            result = real_getaddrinfo(node, service, hints, list);
        connect_inside_library = 1;
        if(!slept) {
            plan.retry = false;
            plan.reason = PLAN_INTERRUPTED;
            log_resolve(node, result, attempt, started, &plan);
            return result;
        }
        attempt++;
    }
    if(result == 0) {
        struct retry_plan done = {false, PLAN_SUCCEEDED, 0, WAIT_POLL};
        log_resolve(node, result, attempt, started, &done);
        connect_resolve_wait_began_ms = started;
    }
    return result;
}

static __attribute__((cold)) int note_listed(const char *node, const char *service,
                                             const struct addrinfo *hints, struct addrinfo **list,
                                             int result)
{
    connect_inside_library = 1;
    const struct tryagain_config *config = runtime_config();
    uint32_t rules = connect_filter_rules_of_name(&config->connect_to, node);
    if(rules && config->max_attempts > 1 && config->connect_kinds != 0) {
        if(not_resolvable_yet(result))
            result = resolve_again(config, node, service, hints, list, result);
        if(result == 0)
            resolved_note(rules, *list);
    }
    connect_inside_library = 0;
    return result;
}

EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **list)
{
    int result = real_getaddrinfo(node, service, hints, list);
    if(!node || connect_inside_library)
        return result;
    return note_listed(node, service, hints, list, result);
}
