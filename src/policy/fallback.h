/* Fallback hosts (TRYAGAIN_FALLBACK=host[:port]=host[:port],...): the map, which host a URL goes
   to, the URL rewritten for the fallback, and when a call's remaining attempts switch. Pure. */
#ifndef TRYAGAIN_POLICY_FALLBACK_H
#define TRYAGAIN_POLICY_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#define FALLBACK_MAX 16
#define FALLBACK_HOST_MAX 256

struct fallback_host {
    char name[FALLBACK_HOST_MAX]; /* lower case; an IPv6 address keeps its brackets */
    int port; /* 0: none written */
};

struct fallback_entry {
    struct fallback_host from; /* without a port: any port of that host */
    struct fallback_host to; /* without a port: the URL's own port */
};

struct fallback_map {
    int count; /* 0: no fallbacks */
    struct fallback_entry entries[FALLBACK_MAX];
};

/* "api.example.com=api-eu.example.com,deb.example.org=mirror.example.net:8080"; spaces around
   entries are ignored. False (and *out empty) on a malformed list: a host that is not a name or
   an address, a port of 0 or over 65535, a host mapped twice, more than FALLBACK_MAX entries. */
bool fallback_parse(const char *text, struct fallback_map *out);

/* The entry for the URL's host and port (the scheme's default port when none is written), or
   NULL. Only http and https URLs have fallbacks. */
const struct fallback_entry *fallback_find(const struct fallback_map *map, const char *url);

/* url with its host and port replaced by the entry's fallback: the scheme, user info, path,
   query and fragment stay. False when url has no host or out is too small. */
bool fallback_rewrite(const char *url, const struct fallback_entry *entry, char *out, size_t size);

/* "name" or "name:port", for the log. */
void fallback_host_text(const struct fallback_host *host, char *out, size_t size);

/* What an attempt on the current host came to, as the switch sees it. */
enum host_outcome {
    HOST_FINE, /* anything but a failure worth retrying: a success, a 400, a 404 */
    HOST_FAILED, /* a failure worth retrying: a retryable status, a connection failure */
    HOST_WAIT_TOO_LONG, /* the host asked (Retry-After) for a wait too long to honour */
};

/* After an attempt on the current host: *failures counts the host's consecutive failures worth
   retrying. True when the call's remaining attempts go to the fallback now: after `after` such
   failures in a row, or at once when the host asked for a wait too long to honour; never when
   no attempt is left. */
bool fallback_due(int *failures, long after, enum host_outcome outcome, bool attempts_left);

#endif
