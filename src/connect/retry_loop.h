/* Retries of a connect() that failed because nobody listens yet. */
#ifndef TRYAGAIN_CONNECT_RETRY_LOOP_H
#define TRYAGAIN_CONNECT_RETRY_LOOP_H

#include <sys/socket.h>

/* Set while this thread runs the library's own code (configuration, log): a connect() made
   from there goes straight through. Never set across a wait or a real connect(), so a signal
   handler that longjmps out of either leaves nothing behind. */
extern __thread int connect_inside_library;

/* After the program's connect(fd, address, length) failed with error: retries as the policy
   allows when the call is one retries apply to. Returns what the last real connect() returned,
   with its errno; error itself when nothing was retried. */
__attribute__((cold)) int connect_retry_failed(int fd, const struct sockaddr *address,
                                               socklen_t length, int error);

#endif
