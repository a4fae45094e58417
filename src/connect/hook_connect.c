/* The exported connect(). A call that succeeds, or fails for a reason no retry can fix, costs
   one extra branch: the configuration is only looked at once a connect() has failed with an
   error that means "not listening yet", or is in progress on a non-blocking socket; the socket
   itself only once the destination is one that waits (connect/retry_loop.c). */

/* glibc declares connect() with a transparent union under _GNU_SOURCE; the plain POSIX
   declaration lets the hook be defined with an ordinary pointer. */
#undef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <sys/socket.h>

#include "connect/retry_loop.h"
#include "policy/connect_rules.h"
#include "runtime/real.h"
#include "runtime/settings.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int connect(int fd, const struct sockaddr *address, socklen_t length)
{
    int errno_before = errno;
    int result = real_connect(fd, address, length);
    if(__builtin_expect(result == 0, 1))
        return result;
    int error = errno;
    /* libcurl transfers are retried whole by the transfer hook: no double retry. */
    if(!connect_errno_candidate(error) || runtime_in_transfer || connect_inside_library)
        return result;
    result = connect_retry_failed(fd, address, length, error);
    if(result == 0)
        errno = errno_before; /* a connect() that succeeds leaves errno as it found it */
    return result;
}
