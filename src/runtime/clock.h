/* Monotonic time, a wait that a signal can end, and the randomness jitter draws from. */
#ifndef TRYAGAIN_CLOCK_H
#define TRYAGAIN_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

long long clock_now_ms(void);
/* Sleeps ms milliseconds; false when a signal handler ran meanwhile (the caller then stops
   retrying, so Ctrl-C and the program's own signal handlers keep working). */
bool clock_sleep_ms(long ms);
/* Uniform 64-bit values, per thread, seeded from time, pid and thread. Not for secrets. */
uint64_t clock_random(void);
/* length bytes from the kernel's generator (getrandom(2)): idempotency keys and call ids, which
   must not collide across processes and machines. Should the kernel refuse (a seccomp filter,
   a kernel before 3.17), clock_random fills in. */
void clock_random_bytes(void *out, size_t length);
/* For pthread_atfork's child handler: the child draws from a fresh seed. */
void clock_after_fork_in_child(void);

#endif
