/* The shared state file, byte for byte: a header that says what it is, then one record per
   host. Every field a process changes is one 64-bit atomic, so a process killed in the middle
   of an update leaves each field whole, and no lock is ever held. The header is written once,
   by the process that made the file, under an flock that the kernel drops if it dies.
   tests/unit/test_coordinate_layout.c pins the sizes and offsets: a change is a new version. */
#ifndef TRYAGAIN_COORDINATE_LAYOUT_H
#define TRYAGAIN_COORDINATE_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/origin.h"

#define COORD_MAGIC 0x31306e6761797274ULL /* "trygan01" read as little-endian bytes */
#define COORD_VERSION 1u
#define COORD_HOSTS 64

/* Slot keys: 0 free, 1 being claimed (its origin is being written), else origin_hash(). */
#define COORD_KEY_FREE 0u
#define COORD_KEY_CLAIMED 1u

struct coord_header {
    _Atomic uint64_t magic; /* written last: 0 while the file is being made */
    uint32_t version;
    uint32_t header_size;
    uint32_t host_size;
    uint32_t host_count;
    uint64_t file_size;
    uint64_t created_us; /* CLOCK_MONOTONIC */
    uint64_t reserved[3];
};

/* Times: CLOCK_MONOTONIC, shared by the processes of one boot. */
struct coord_host {
    _Atomic uint64_t key;
    /* pacing (policy/pacing.h) */
    _Atomic int64_t tat_us; /* the next free slot */
    _Atomic int64_t interval_us; /* the learned spacing; 0: never throttled */
    _Atomic int64_t last_throttle_us;
    _Atomic int64_t window_start_us;
    _Atomic int64_t window_ok;
    _Atomic int64_t window_limited;
    _Atomic int64_t hold;
    /* budget and breaker */
    _Atomic uint64_t budget;
    _Atomic int64_t failures_in_row;
    _Atomic int64_t open_until_ms;
    /* counts across processes, for tryagain status */
    _Atomic int64_t attempts;
    _Atomic int64_t successes;
    _Atomic int64_t throttles;
    _Atomic int64_t failures;
    _Atomic int64_t paced;
    _Atomic int64_t paced_us;
    _Atomic int64_t withheld;
    _Atomic int64_t last_seen_us;
    _Atomic int64_t header_interval_us; /* the latest advice of rate-limit headers, 0 none */
    _Atomic int64_t lessons; /* bumped when the spacing moves by more than a sixteenth: slots
                                taken before are taken again */
    _Atomic int64_t streak_start_ms; /* the first of the failures in a row */
    _Atomic uint64_t measured; /* the latest measured spacing and when (pace_measure_pack) */
    char origin[ORIGIN_MAX]; /* NUL-terminated; written before the key is published */
};

struct coord_file {
    struct coord_header header;
    struct coord_host hosts[COORD_HOSTS];
};

_Static_assert(sizeof(struct coord_header) == 64, "the header is 64 bytes");
_Static_assert(sizeof(struct coord_host) == 280, "a host record is 280 bytes");
_Static_assert(offsetof(struct coord_file, hosts) == 64, "hosts follow the header");

#define COORD_FILE_SIZE sizeof(struct coord_file)

#endif
