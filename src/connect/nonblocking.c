/* A non-blocking TCP connect() to a listed server, completed by the library: wait for the
   handshake, read SO_ERROR, connect again on refusal, and return 0 once connected, which a
   non-blocking connect() may legally do (libpq, hiredis, libuv and CPython all handle it).

   Two ways out keep the program's own logic in charge:
   - a handshake that gets no answer within CONNECT_HANDSHAKE_MS (a slow or silent network,
     not a refusal) goes back to the program as EINPROGRESS, so its own connect timeout rules;
   - once the budget is spent (or a signal came), the program's socket gets one last plain
     connect(), whose result it gets as it is: EINPROGRESS, then ECONNREFUSED through poll()
     and SO_ERROR, exactly as without the library.

   Linux answers the first connect() after an asynchronous failure with ECONNABORTED and resets
   the socket then; the next connect() starts a new handshake. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>

#include "connect/retry_loop.h"
#include "runtime/clock.h"

#define CONNECT_HANDSHAKE_MS 1000

enum handshake { HANDSHAKE_CONNECTED, HANDSHAKE_FAILED, HANDSHAKE_PENDING };

static enum handshake await_handshake(struct connect_retry *retry)
{
    long budget = connect_wait_budget_ms(retry->config, retry->wait);
    long left = budget - (long)(clock_now_ms() - retry->started_ms);
    int limit = left < 0 ? 0 : left < CONNECT_HANDSHAKE_MS ? (int)left : CONNECT_HANDSHAKE_MS;
    struct pollfd ready = {retry->fd, POLLOUT, 0};
    connect_inside_library = 0;
    int events = poll(&ready, 1, limit);
    connect_inside_library = 1;
    if(events <= 0)
        return HANDSHAKE_PENDING; /* no answer yet, or a signal: the program takes over */
    int error = 0;
    socklen_t length = sizeof(error);
    if(getsockopt(retry->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        return HANDSHAKE_PENDING;
    if(error == 0)
        return HANDSHAKE_CONNECTED;
    retry->error = error;
    return HANDSHAKE_FAILED;
}

static int attempt(struct connect_retry *retry)
{
    int result = connect_retry_attempt(retry);
    if(result != 0 && retry->error == ECONNABORTED) {
        retry->attempt--; /* the reset of the last failure, not an attempt */
        result = connect_retry_attempt(retry);
    }
    return result;
}

int connect_complete_nonblocking(struct connect_retry *retry)
{
    for(;;) {
        if(retry->error == EINPROGRESS) {
            enum handshake handshake = await_handshake(retry);
            if(handshake == HANDSHAKE_PENDING) {
                retry->reason = PLAN_SUCCEEDED; /* handed back, not given up */
                return -1;
            }
            if(handshake == HANDSHAKE_CONNECTED) {
                struct retry_plan done = {false, PLAN_SUCCEEDED, 0, WAIT_POLL};
                connect_retry_log(retry, &done, true);
                retry->reason = PLAN_SUCCEEDED;
                return 0;
            }
        }
        if(!connect_errno_retryable(retry->kind, retry->error)) {
            struct retry_plan last = {false, PLAN_NOT_TRANSIENT, 0, WAIT_POLL};
            connect_retry_log(retry, &last, false);
            retry->reason = PLAN_NOT_TRANSIENT;
            return -1;
        }
        if(!connect_retry_wait(retry))
            return attempt(retry); /* the program's own last: its error reaches it its way */
        if(attempt(retry) == 0) {
            struct retry_plan done = {false, PLAN_SUCCEEDED, 0, WAIT_POLL};
            connect_retry_log(retry, &done, true);
            retry->reason = PLAN_SUCCEEDED;
            return 0;
        }
    }
}
