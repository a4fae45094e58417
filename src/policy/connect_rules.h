/* Pure decisions for connect() retries: which failures are worth another attempt, how long to
   wait first, and the words the log uses. No I/O, so unit tests need no preload. */
#ifndef TRYAGAIN_CONNECT_RETRY_H
#define TRYAGAIN_CONNECT_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy/config.h"
#include "policy/retry_plan.h"

/* True for every errno that some kind of socket may retry, and EINPROGRESS (a non-blocking
   connect(), completed when its server is listed): the one test made on the failure path
   before anything else is looked at, so most failures cost one switch. */
bool connect_errno_candidate(int error);

/* CONNECT_TCP for AF_INET and AF_INET6, CONNECT_UNIX for AF_UNIX, 0 for any other family. */
int connect_kind_of_family(int family);

/* True when error means "not there yet" for that kind of socket (CONNECT_TCP or CONNECT_UNIX). */
bool connect_errno_retryable(int kind, int error);

/* What the hook learned about the failed call. */
struct connect_call {
    const struct sockaddr *address;
    socklen_t length;
    int socket_type; /* SO_TYPE */
    bool nonblocking;
    /* Bit i: the program's getaddrinfo() of rule i's name gave this address (resolved), and
       gave others after it (not_last). */
    uint32_t resolved, not_last;
};

/* How a failed connect() is waited for: not at all, with the short wait of an unlisted
   destination (TRYAGAIN_CONNECT_ANY_WAIT_MS, blocking sockets only, when nothing is listed), or
   as a listed server (TRYAGAIN_CONNECT_WAIT_MS, blocking or not). */
enum connect_wait { CONNECT_WAIT_NONE, CONNECT_WAIT_ANY, CONNECT_WAIT_LISTED };

/* The wait for this call. A listed destination that is not the last address its name resolved
   to is not waited for: the program moves on to the next, and the wait happens on the last. */
enum connect_wait connect_call_wait(const struct tryagain_config *config,
                                    const struct connect_call *call);

/* True when connect_call_wait is not CONNECT_WAIT_NONE. */
bool connect_call_eligible(const struct tryagain_config *config, const struct connect_call *call);

/* The time a wait may last, from the first failure: its variable's, or TRYAGAIN_DEADLINE_MS when
   that is shorter. */
long connect_wait_budget_ms(const struct tryagain_config *config, enum connect_wait wait);

/* After waited_ms of a wait, with the last attempt refused: poll again after plan.wait_ms, or
   stop (PLAN_WAIT_OVER, or PLAN_DEADLINE when TRYAGAIN_DEADLINE_MS was the shorter). A server
   that comes up is found within 50 ms plus a tenth of the time waited (with jitter, each wait
   is drawn from its upper half), and the last attempt falls on the end of the budget, so the
   program gets its error then and not later. Attempts are not counted. */
struct retry_plan connect_wait_plan(const struct tryagain_config *config, enum connect_wait wait,
                                    long waited_ms, uint64_t random);

/* Linux gives back the port of a TCP socket whose connect() failed unless the program bound that
   port by number: a program that bound an address with port 0 and read the port it got would
   see another one after a retry. True when local (getsockname after the failure) is such a
   binding, which the hook then binds again before each retry: a specific address with a
   port, and no IP_BIND_ADDRESS_NO_PORT (which asks for the port to be chosen at connect). */
bool connect_binding_needs_restoring(const struct sockaddr *local, socklen_t length,
                                     bool bind_address_no_port);

/* "127.0.0.1:5432", "[::1]:80", "/run/app.sock", "@abstract" for the log. Always terminated;
   returns buffer. */
const char *connect_describe_target(const struct sockaddr *address, socklen_t length, char *buffer,
                                    size_t size);

/* What the log calls a listed destination: "db:5432 (10.0.0.5)" when it was matched through the
   name of rule (RULE_NAME or RULE_LOCALHOST; rule may be NULL), otherwise as
   connect_describe_target. Always terminated; returns buffer. */
const char *connect_describe_listed(const struct connect_rule *rule, const struct sockaddr *address,
                                    socklen_t length, char *buffer, size_t size);

/* "Connection refused (ECONNREFUSED)": fixed words, so the log never depends on the locale and
   never allocates (strerror may). An errno outside the table is written into buffer as
   "errno N". Returns the text. */
const char *connect_errno_text(int error, char *buffer, size_t size);

#endif
