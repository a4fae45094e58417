/* Which connect() destinations are waited for (TRYAGAIN_CONNECT_TO). */
#ifndef TRYAGAIN_CONNECT_FILTER_H
#define TRYAGAIN_CONNECT_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNECT_FILTER_MAX 32
#define CONNECT_FILTER_PATH_MAX 108 /* sizeof(sun_path) */
#define CONNECT_FILTER_NAME_MAX 254 /* a DNS name: 253 bytes and the NUL */

enum connect_rule_kind {
    RULE_ANY_ADDRESS,
    RULE_IPV4,
    RULE_IPV6,
    RULE_LOCALHOST,
    RULE_UNIX_PATH,
    RULE_NAME /* a host name: matches the addresses the program resolved it to */
};

struct connect_rule {
    enum connect_rule_kind kind;
    uint8_t address[16]; /* network order: 4 bytes for IPv4, 16 for IPv6 */
    uint16_t port; /* host order; 0 matches any port */
    char path[CONNECT_FILTER_PATH_MAX]; /* RULE_UNIX_PATH */
    char name[CONNECT_FILTER_NAME_MAX]; /* RULE_NAME, lower case, without a final dot */
};

struct connect_filter {
    int count; /* 0: every destination */
    uint32_t name_rules; /* bit i: rule i is matched through resolution (RULE_NAME, localhost) */
    uint16_t name_ports_any; /* nonzero: some name rule takes any port */
    struct connect_rule rule[CONNECT_FILTER_MAX];
};

/* Entries, comma separated:
     127.0.0.1:5432   an IPv4 address and port     127.0.0.1   that address, any port
     [::1]:80         an IPv6 address and port     [::1]       that address, any port
     localhost:8080   127.0.0.1 or ::1, that port  :6379       any address, that port
     /run/app.sock    a unix-domain socket path
     db:5432          a host name and port         db          that name, any port
   A name is letters, digits, '-', '_' and '.', not all digits and dots; a final dot is
   dropped. False on a malformed list. */
bool connect_filter_parse(const char *text, struct connect_filter *out);

/* True when the destination is one the filter lets retries apply to: always with an empty
   filter, and never through a name rule (connect() sees no names: connect_filter_find does). */
bool connect_filter_match(const struct connect_filter *filter, const struct sockaddr *address,
                          socklen_t length);

/* The rules a name the program resolves stands for, as a bit mask (bit i: rule i): the RULE_NAME
   rules spelled like node (case aside, a final dot aside), and the localhost rules for
   "localhost". 0 for any other name, or NULL. */
uint32_t connect_filter_rules_of_name(const struct connect_filter *filter, const char *node);

/* False when no rule that names a host could match a destination on this port: the hook then
   skips looking up which names the address came from. */
bool connect_filter_names_may_match_port(const struct connect_filter *filter, uint16_t port);

/* The first rule the destination matches, -1 for none (also with an empty filter). resolved has
   bit i set when the program's resolution of rule i's name gave this address: a RULE_NAME rule
   matches only so, with its port. */
int connect_filter_find(const struct connect_filter *filter, const struct sockaddr *address,
                        socklen_t length, uint32_t resolved);

/* The port of an AF_INET or AF_INET6 address, host order; 0 for anything else. */
uint16_t connect_address_port(const struct sockaddr *address, socklen_t length);

#endif
