/* Which connect() destinations retries apply to (TRYAGAIN_CONNECT_TO). */
#ifndef TRYAGAIN_CONNECT_FILTER_H
#define TRYAGAIN_CONNECT_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNECT_FILTER_MAX 32
#define CONNECT_FILTER_PATH_MAX 108 /* sizeof(sun_path) */

enum connect_rule_kind { RULE_ANY_ADDRESS, RULE_IPV4, RULE_IPV6, RULE_LOCALHOST, RULE_UNIX_PATH };

struct connect_rule {
    enum connect_rule_kind kind;
    uint8_t address[16]; /* network order: 4 bytes for IPv4, 16 for IPv6 */
    uint16_t port; /* host order; 0 matches any port */
    char path[CONNECT_FILTER_PATH_MAX]; /* RULE_UNIX_PATH */
};

struct connect_filter {
    int count; /* 0: every destination */
    struct connect_rule rule[CONNECT_FILTER_MAX];
};

/* Entries, comma separated:
     127.0.0.1:5432   an IPv4 address and port     127.0.0.1   that address, any port
     [::1]:80         an IPv6 address and port     [::1]       that address, any port
     localhost:8080   127.0.0.1 or ::1, that port  :6379       any address, that port
     /run/app.sock    a unix-domain socket path
   False on a malformed list. */
bool connect_filter_parse(const char *text, struct connect_filter *out);

/* True when the destination is one the filter lets retries apply to. */
bool connect_filter_match(const struct connect_filter *filter, const struct sockaddr *address,
                          socklen_t length);

#endif
