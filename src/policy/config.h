/* The retry policy, read once per process from TRYAGAIN_* environment variables. */
#ifndef TRYAGAIN_CONFIG_H
#define TRYAGAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/connect_filter.h"

enum jitter_mode { JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED, JITTER_NONE };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Connect retries are off, or on for TCP (IPv4 and IPv6), unix-domain sockets, or both. */
enum { CONNECT_TCP = 1, CONNECT_UNIX = 2 };

/* HTTP statuses 400..599 as a bit set: the only ones a retry can make sense for. */
#define STATUS_SET_FIRST 400
#define STATUS_SET_LAST 599
struct status_set {
    uint64_t bits[(STATUS_SET_LAST - STATUS_SET_FIRST + 64) / 64];
};

#define HOST_PATTERNS_MAX 32
#define HOST_PATTERN_LEN 256
struct host_patterns {
    int count; /* 0: every host */
    char pattern[HOST_PATTERNS_MAX][HOST_PATTERN_LEN];
};

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
    int log_level; /* 0 quiet, 1 retries and give-ups, 2 every attempt */
    char log_file[1024];
    enum log_format log_format;
    bool stats;
    int connect_kinds; /* CONNECT_TCP | CONNECT_UNIX, 0 for off */
    struct connect_filter connect_to;
    bool keep_deepbind; /* dlopen(RTLD_DEEPBIND) left as asked: that group's calls not reached */
};

/* Looks a variable up like getenv; tests pass a table instead of the real environment. */
typedef const char *(*env_lookup_fn)(const char *name, void *ctx);
/* Receives one finished warning line (no newline). */
typedef void (*config_warn_fn)(const char *line, void *ctx);

/* Fills *out from the variables; every bad value is reported once through warn and replaced by
   its default. Never fails. */
void config_parse(struct tryagain_config *out, env_lookup_fn lookup, void *lookup_ctx,
                  config_warn_fn warn, void *warn_ctx);

bool status_set_contains(const struct status_set *set, long status);
/* "408,429,5xx": numbers and NXX classes, 400..599 only. False on any malformed item. */
bool status_set_parse(const char *text, struct status_set *out);

/* "api.example.com,*.example.org". False on a malformed list. */
bool host_patterns_parse(const char *text, struct host_patterns *out);
/* True when host (no port, no brackets) matches; an empty pattern list matches every host. */
bool host_patterns_match(const struct host_patterns *patterns, const char *host, size_t host_len);

#endif
