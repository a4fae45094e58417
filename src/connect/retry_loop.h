/* The wait of a connect() that failed because nobody listens yet. */
#ifndef TRYAGAIN_CONNECT_RETRY_LOOP_H
#define TRYAGAIN_CONNECT_RETRY_LOOP_H

#include <stdbool.h>
#include <sys/socket.h>

#include "policy/connect_rules.h"

/* Set while this thread runs the library's own code (configuration, log): a connect() made
   from there goes straight through. Never set across a wait or a real connect(), so a signal
   handler that longjmps out of either leaves nothing behind. */
extern __thread int connect_inside_library;

/* When this thread's getaddrinfo() of a listed name had to wait for it to resolve: when that
   wait began (0: it did not), so the connect() that follows goes on with the same budget
   (connect/hook_resolve.c sets it, the next listed connect() takes it). */
extern __thread long long connect_resolve_wait_began_ms;

/* After the program's connect(fd, address, length) failed with error (EINPROGRESS included):
   waits as the policy allows when the call is one that waits. Returns what the program's
   connect() returns, with errno set; error itself when nothing was done. */
__attribute__((cold)) int connect_retry_failed(int fd, const struct sockaddr *address,
                                               socklen_t length, int error);

/* ---- shared by retry_loop.c and nonblocking.c ---- */

struct connect_retry {
    const struct tryagain_config *config;
    int fd;
    const struct sockaddr *address;
    socklen_t length;
    int kind; /* CONNECT_TCP or CONNECT_UNIX */
    enum connect_wait wait;
    char target[400];
    int attempt;
    int error; /* of the last attempt */
    enum plan_reason reason; /* why the wait stopped */
    long long started_ms; /* the first failure (or the start of the name's resolution wait) */
    long long waited_ms; /* time slept, for the stats */
    struct sockaddr_storage local; /* the program's binding, when it must be restored */
    socklen_t local_length; /* 0: nothing to restore */
};

/* One log line for an attempt that ended as plan says. */
void connect_retry_log(const struct connect_retry *retry, const struct retry_plan *plan,
                       bool succeeded);
/* After a refused attempt: plans the next, logs the line and sleeps the wait. False when no
   attempt is to follow (the budget is spent, or a signal ended the wait): retry->reason says
   why. */
bool connect_retry_wait(struct connect_retry *retry);
/* One more real connect() on the program's socket, its binding restored first. */
int connect_retry_attempt(struct connect_retry *retry);

/* The wait of a non-blocking TCP connect() to a listed server (nonblocking.c): returns 0 once
   connected, or what the program's own last connect() said. */
int connect_complete_nonblocking(struct connect_retry *retry);

#endif
