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

/* True for every errno that some kind of socket may retry: the one test made on the failure
   path before anything else is looked at, so most failures cost one switch. */
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
};

/* True when the failed call is one the configuration lets retries apply to: a blocking stream
   socket of an enabled family, to a destination TRYAGAIN_CONNECT_TO allows. */
bool connect_call_eligible(const struct tryagain_config *config, const struct connect_call *call);

/* After attempt number attempt (from 1) failed with a retryable error, elapsed_ms after the
   program's call began: retry after plan.wait_ms, or stop for plan.reason (PLAN_EXHAUSTED or
   PLAN_DEADLINE). */
struct retry_plan connect_retry_plan(const struct tryagain_config *config, int attempt,
                                     long elapsed_ms, long previous_wait_ms, uint64_t random);

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

/* "Connection refused (ECONNREFUSED)": fixed words, so the log never depends on the locale and
   never allocates (strerror may). An errno outside the table is written into buffer as
   "errno N". Returns the text. */
const char *connect_errno_text(int error, char *buffer, size_t size);

#endif
