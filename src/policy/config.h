/* The retry policy, read once per process from TRYAGAIN_* environment variables (the table of
   them is policy/options.c). */
#ifndef TRYAGAIN_CONFIG_H
#define TRYAGAIN_CONFIG_H

#include <stdbool.h>

#include "policy/connect_filter.h"
#include "policy/fallback.h"
#include "policy/host_patterns.h"
#include "policy/idempotency.h"
#include "policy/status_set.h"

enum jitter_mode { JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED, JITTER_NONE };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Connect retries are off, or on for TCP (IPv4 and IPv6), unix-domain sockets, or both. */
enum { CONNECT_TCP = 1, CONNECT_UNIX = 2 };

struct tryagain_config {
    long max_attempts;
    long base_delay_ms;
    long max_delay_ms;
    enum jitter_mode jitter;
    long max_retry_after_ms;
    long deadline_ms; /* 0: none */
    struct status_set retry_status;
    bool retry_unsafe;
    struct host_patterns hosts;
    char idempotency_key[IDEMPOTENCY_NAME_MAX]; /* the key's header name, "" for off */
    struct fallback_map fallback;
    long fallback_after; /* consecutive failures on a host before its fallback takes over */
    int log_level; /* 0 quiet, 1 retries and give-ups, 2 every attempt */
    char log_file[1024];
    enum log_format log_format;
    bool stats;
    int connect_kinds; /* CONNECT_TCP | CONNECT_UNIX, 0 for off */
    struct connect_filter connect_to; /* the servers to wait for; empty: none listed */
    long connect_wait_ms; /* budget of a connect() to a listed server */
    long connect_any_wait_ms; /* budget of a blocking connect() when none is listed */
    bool keep_deepbind; /* dlopen(RTLD_DEEPBIND) left as asked: that group's calls not reached */
    bool coordinate; /* share what hosts said with the other processes (src/coordinate/) */
};

/* Looks a variable up like getenv; tests pass a table instead of the real environment. */
typedef const char *(*env_lookup_fn)(const char *name, void *ctx);
/* Receives one finished warning line (no newline). */
typedef void (*config_warn_fn)(const char *line, void *ctx);

/* Fills *out from the variables; every bad value is reported once through warn and replaced by
   its default. Never fails. */
void config_parse(struct tryagain_config *out, env_lookup_fn lookup, void *lookup_ctx,
                  config_warn_fn warn, void *warn_ctx);

#endif
