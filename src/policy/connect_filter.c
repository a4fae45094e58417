/* connect() sees only addresses: numeric entries match them directly, "localhost" matches the
   loopback addresses of both families, and a host name matches the addresses the program's
   own getaddrinfo() gave for it (connect/hook_resolve.c notes them; connect_filter_find takes
   the answer as a mask of rules). */
#include "policy/connect_filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "policy/list.h"

static bool parse_port(const char *text, size_t len, uint16_t *out)
{
    if(len == 0 || len > 5)
        return false;
    unsigned long port = 0;
    for(size_t i = 0; i < len; i++) {
        if(!isdigit((unsigned char)text[i]))
            return false;
        port = port * 10 + (unsigned long)(text[i] - '0');
    }
    if(port == 0 || port > 65535)
        return false;
    *out = (uint16_t)port;
    return true;
}

static bool copy_token(const char *text, size_t len, char *buffer, size_t size)
{
    if(len == 0 || len >= size)
        return false;
    memcpy(buffer, text, len);
    buffer[len] = '\0';
    return true;
}

/* Letters, digits, '-', '_' and '.'; no empty label; not all digits and dots (a mistyped
   IPv4 address is refused, not taken for a name). A final dot is dropped. */
static bool parse_name(const char *text, size_t len, struct connect_rule *rule)
{
    if(len > 0 && text[len - 1] == '.')
        len--;
    if(len == 0 || len >= sizeof(rule->name) || text[len - 1] == '.')
        return false;
    bool has_letter = false;
    for(size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if(c == '.') {
            if(i == 0 || text[i - 1] == '.')
                return false;
        }
        else if(isalpha(c) || c == '-' || c == '_') {
            has_letter = true;
        }
        else if(!isdigit(c)) {
            return false;
        }
        rule->name[i] = (char)tolower(c);
    }
    rule->name[len] = '\0';
    if(!has_letter || text[0] == '-')
        return false;
    rule->kind = RULE_NAME;
    return true;
}

static bool parse_host(const char *text, size_t len, bool bracketed, struct connect_rule *rule)
{
    char host[INET6_ADDRSTRLEN];
    if(bracketed) {
        rule->kind = RULE_IPV6;
        return copy_token(text, len, host, sizeof(host)) &&
               inet_pton(AF_INET6, host, rule->address) == 1;
    }
    if(len == 9 && !strncasecmp(text, "localhost", 9)) {
        rule->kind = RULE_LOCALHOST;
        return true;
    }
    if(copy_token(text, len, host, sizeof(host)) && inet_pton(AF_INET, host, rule->address) == 1) {
        rule->kind = RULE_IPV4;
        return true;
    }
    return parse_name(text, len, rule);
}

static bool parse_rule(const char *item, size_t len, struct connect_rule *rule)
{
    memset(rule, 0, sizeof(*rule));
    if(item[0] == '/') {
        rule->kind = RULE_UNIX_PATH;
        return copy_token(item, len, rule->path, sizeof(rule->path));
    }
    if(item[0] == '[') {
        const char *close = memchr(item, ']', len);
        if(!close)
            return false;
        size_t host_len = (size_t)(close - item - 1);
        size_t rest = len - (size_t)(close - item) - 1;
        if(!parse_host(item + 1, host_len, true, rule))
            return false;
        if(rest == 0)
            return true;
        return close[1] == ':' && parse_port(close + 2, rest - 1, &rule->port);
    }
    const char *colon = memchr(item, ':', len);
    if(!colon)
        return parse_host(item, len, false, rule);
    size_t host_len = (size_t)(colon - item);
    if(!parse_port(colon + 1, len - host_len - 1, &rule->port))
        return false;
    if(host_len == 0) {
        rule->kind = RULE_ANY_ADDRESS;
        return true;
    }
    return parse_host(item, host_len, false, rule);
}

static bool add_rule(const char *item, size_t length, void *ctx)
{
    struct connect_filter *filter = ctx;
    if(filter->count == CONNECT_FILTER_MAX)
        return false;
    return parse_rule(item, length, &filter->rule[filter->count++]);
}

bool connect_filter_parse(const char *text, struct connect_filter *out)
{
    struct connect_filter parsed;
    memset(&parsed, 0, sizeof(parsed));
    if(!list_for_each_item(text, add_rule, &parsed))
        return false;
    for(int i = 0; i < parsed.count; i++) {
        const struct connect_rule *rule = &parsed.rule[i];
        if(rule->kind != RULE_NAME && rule->kind != RULE_LOCALHOST)
            continue;
        parsed.name_rules |= 1u << i;
        if(rule->port == 0)
            parsed.name_ports_any = 1;
    }
    *out = parsed;
    return true;
}

static bool rule_matches_inet(const struct connect_rule *rule, int family, const uint8_t *address,
                              uint16_t port)
{
    if(rule->port && rule->port != port)
        return false;
    static const uint8_t loopback6[16] = {[15] = 1};
    switch(rule->kind) {
    case RULE_ANY_ADDRESS:
        return true;
    case RULE_IPV4:
        return family == AF_INET && !memcmp(rule->address, address, 4);
    case RULE_IPV6:
        return family == AF_INET6 && !memcmp(rule->address, address, 16);
    case RULE_LOCALHOST:
        return family == AF_INET ? address[0] == 127 : !memcmp(address, loopback6, 16);
    case RULE_UNIX_PATH:
    case RULE_NAME:
        return false;
    }
    return false;
}

/* A dual-stack socket (Java, and any program that turns IPV6_V6ONLY off) reaches an IPv4
   peer through a mapped address, ::ffff:127.0.0.1: that is the IPv4 destination for rules. */
static bool rule_matches_inet6(const struct connect_rule *rule, const struct sockaddr_in6 *v6)
{
    uint16_t port = ntohs(v6->sin6_port);
    if(IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr))
        return rule_matches_inet(rule, AF_INET, v6->sin6_addr.s6_addr + 12, port);
    return rule_matches_inet(rule, AF_INET6, v6->sin6_addr.s6_addr, port);
}

static bool rule_matches(const struct connect_rule *rule, const struct sockaddr *address,
                         socklen_t length)
{
    if(address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        return rule_matches_inet(rule, AF_INET, (const uint8_t *)&v4->sin_addr,
                                 ntohs(v4->sin_port));
    }
    if(address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6))
        return rule_matches_inet6(rule, (const struct sockaddr_in6 *)address);
    if(address->sa_family == AF_UNIX && rule->kind == RULE_UNIX_PATH) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)address;
        size_t path_room = (size_t)length - offsetof(struct sockaddr_un, sun_path);
        return length > offsetof(struct sockaddr_un, sun_path) &&
               strnlen(un->sun_path, path_room) == strlen(rule->path) &&
               !strncmp(un->sun_path, rule->path, path_room);
    }
    return false;
}

uint16_t connect_address_port(const struct sockaddr *address, socklen_t length)
{
    if(address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in))
        return ntohs(((const struct sockaddr_in *)address)->sin_port);
    if(address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6))
        return ntohs(((const struct sockaddr_in6 *)address)->sin6_port);
    return 0;
}

int connect_filter_find(const struct connect_filter *filter, const struct sockaddr *address,
                        socklen_t length, uint32_t resolved)
{
    uint16_t port = connect_address_port(address, length);
    for(int i = 0; i < filter->count; i++) {
        const struct connect_rule *rule = &filter->rule[i];
        if(rule->kind == RULE_NAME) {
            if((resolved >> i & 1u) && port && (rule->port == 0 || rule->port == port))
                return i;
        }
        else if(rule_matches(rule, address, length)) {
            return i;
        }
    }
    return -1;
}

bool connect_filter_match(const struct connect_filter *filter, const struct sockaddr *address,
                          socklen_t length)
{
    return filter->count == 0 || connect_filter_find(filter, address, length, 0) >= 0;
}

/* Host names compare without regard to case (RFC 4343), and "db." is "db". */
static bool same_name(const char *rule_name, const char *node)
{
    size_t length = strlen(node);
    if(length > 0 && node[length - 1] == '.')
        length--;
    return strlen(rule_name) == length && !strncasecmp(rule_name, node, length);
}

uint32_t connect_filter_rules_of_name(const struct connect_filter *filter, const char *node)
{
    if(!node || !filter->name_rules)
        return 0;
    uint32_t rules = 0;
    for(int i = 0; i < filter->count; i++) {
        const struct connect_rule *rule = &filter->rule[i];
        if(rule->kind == RULE_NAME ? same_name(rule->name, node)
                                   : rule->kind == RULE_LOCALHOST && same_name("localhost", node))
            rules |= 1u << i;
    }
    return rules;
}

bool connect_filter_names_may_match_port(const struct connect_filter *filter, uint16_t port)
{
    if(!filter->name_rules)
        return false;
    if(filter->name_ports_any)
        return true;
    for(int i = 0; i < filter->count; i++) {
        if((filter->name_rules >> i & 1u) && filter->rule[i].port == port)
            return true;
    }
    return false;
}
