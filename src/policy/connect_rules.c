/* The errno lists follow what "not listening yet" looks like from a blocking connect(): TCP
   reports a refused or unreachable peer, a unix-domain socket reports a missing file, a
   socket file whose server has not called listen() yet, or a full backlog. */
#include "policy/connect_rules.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <arpa/inet.h>

bool connect_errno_candidate(int error)
{
    switch(error) {
    case EINPROGRESS: /* a non-blocking connect(): completed when its server is listed */
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ETIMEDOUT:
    case EADDRNOTAVAIL:
    case ENOENT:
    case EAGAIN:
        return true;
    default:
        return false;
    }
}

int connect_kind_of_family(int family)
{
    switch(family) {
    case AF_INET:
    case AF_INET6:
        return CONNECT_TCP;
    case AF_UNIX:
        return CONNECT_UNIX;
    default:
        return 0;
    }
}

static bool tcp_errno_retryable(int error)
{
    switch(error) {
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ETIMEDOUT:
    case EADDRNOTAVAIL: /* local ports used up for now */
        return true;
    default:
        return false;
    }
}

static bool unix_errno_retryable(int error)
{
    switch(error) {
    case ECONNREFUSED: /* the file exists but nobody listens on it (yet) */
    case ENOENT: /* the server has not created the file yet */
    case EAGAIN: /* the listener's backlog is full */
        return true;
    default:
        return false;
    }
}

bool connect_errno_retryable(int kind, int error)
{
    if(kind == CONNECT_TCP)
        return tcp_errno_retryable(error);
    if(kind == CONNECT_UNIX)
        return unix_errno_retryable(error);
    return false;
}

static bool address_has_family(const struct sockaddr *address, socklen_t length)
{
    return address && length >= (socklen_t)sizeof(sa_family_t);
}

enum connect_wait connect_call_wait(const struct tryagain_config *config,
                                    const struct connect_call *call)
{
    if(config->max_attempts <= 1 || config->connect_kinds == 0)
        return CONNECT_WAIT_NONE;
    if(call->socket_type != SOCK_STREAM || !address_has_family(call->address, call->length))
        return CONNECT_WAIT_NONE;
    int kind = connect_kind_of_family(call->address->sa_family);
    if(!kind)
        return CONNECT_WAIT_NONE;
    if(config->connect_to.count == 0) {
        /* A non-blocking connect's failure arrives later, through poll and SO_ERROR: unless
           its server is listed, the program owns that path, and an event loop never waits. */
        if(call->nonblocking || !(config->connect_kinds & kind) || config->connect_any_wait_ms == 0)
            return CONNECT_WAIT_NONE;
        return CONNECT_WAIT_ANY;
    }
    int rule =
        connect_filter_find(&config->connect_to, call->address, call->length, call->resolved);
    if(rule < 0 || (call->not_last >> rule & 1u))
        return CONNECT_WAIT_NONE;
    return CONNECT_WAIT_LISTED;
}

bool connect_call_eligible(const struct tryagain_config *config, const struct connect_call *call)
{
    return connect_call_wait(config, call) != CONNECT_WAIT_NONE;
}

long connect_wait_budget_ms(const struct tryagain_config *config, enum connect_wait wait)
{
    long budget = wait == CONNECT_WAIT_LISTED ? config->connect_wait_ms
                  : wait == CONNECT_WAIT_ANY  ? config->connect_any_wait_ms
                                              : 0;
    if(config->deadline_ms > 0 && config->deadline_ms < budget)
        budget = config->deadline_ms;
    return budget;
}

#define POLL_FIRST_MS 50

struct retry_plan connect_wait_plan(const struct tryagain_config *config, enum connect_wait wait,
                                    long waited_ms, uint64_t random)
{
    struct retry_plan plan = {false, PLAN_WAIT_OVER, 0, WAIT_POLL};
    long budget = connect_wait_budget_ms(config, wait);
    if(config->deadline_ms > 0 && budget == config->deadline_ms)
        plan.reason = PLAN_DEADLINE;
    if(waited_ms < 0)
        waited_ms = 0;
    if(waited_ms >= budget)
        return plan;
    long ceiling = POLL_FIRST_MS + waited_ms / 10;
    long wait_ms = ceiling;
    if(config->jitter != JITTER_NONE)
        wait_ms = ceiling - ceiling / 2 + (long)(random % (uint64_t)(ceiling / 2 + 1));
    if(wait_ms > budget - waited_ms)
        wait_ms = budget - waited_ms;
    plan.retry = true;
    plan.reason = PLAN_RETRY;
    plan.wait_ms = wait_ms;
    return plan;
}

bool connect_binding_needs_restoring(const struct sockaddr *local, socklen_t length,
                                     bool bind_address_no_port)
{
    if(bind_address_no_port || !address_has_family(local, length))
        return false;
    /* A wildcard address after a failure means the program never bound one: what remains is
       the ephemeral port connect() itself picked, which the program never saw. */
    if(local->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)local;
        return v4->sin_port != 0 && v4->sin_addr.s_addr != htonl(INADDR_ANY);
    }
    if(local->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)local;
        return v6->sin6_port != 0 && !IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
    }
    return false;
}

static void describe_inet(const struct sockaddr *address, char *buffer, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if(address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
        snprintf(buffer, size, "%s:%u", host, (unsigned)ntohs(v4->sin_port));
        return;
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    snprintf(buffer, size, "[%s]:%u", host, (unsigned)ntohs(v6->sin6_port));
}

/* A path as the log shows it: an abstract name (leading NUL) as "@name", and any byte that
   could break the line as '?'. */
static void describe_unix(const struct sockaddr *address, socklen_t length, char *buffer,
                          size_t size)
{
    const struct sockaddr_un *un = (const struct sockaddr_un *)address;
    size_t offset = offsetof(struct sockaddr_un, sun_path);
    size_t room = (size_t)length > offset ? (size_t)length - offset : 0;
    if(room > sizeof(un->sun_path))
        room = sizeof(un->sun_path);
    if(room == 0) {
        snprintf(buffer, size, "(unnamed)");
        return;
    }
    bool abstract = un->sun_path[0] == '\0';
    size_t used = 0;
    if(abstract && size > 1)
        buffer[used++] = '@';
    for(size_t i = abstract ? 1 : 0; i < room && used + 1 < size; i++) {
        unsigned char c = (unsigned char)un->sun_path[i];
        if(c == '\0' && !abstract)
            break;
        buffer[used++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buffer[used] = '\0';
}

const char *connect_describe_target(const struct sockaddr *address, socklen_t length, char *buffer,
                                    size_t size)
{
    if(size == 0)
        return buffer;
    buffer[0] = '\0';
    if(!address_has_family(address, length)) {
        snprintf(buffer, size, "(no address)");
        return buffer;
    }
    switch(address->sa_family) {
    case AF_INET:
        if(length >= (socklen_t)sizeof(struct sockaddr_in)) {
            describe_inet(address, buffer, size);
            return buffer;
        }
        break;
    case AF_INET6:
        if(length >= (socklen_t)sizeof(struct sockaddr_in6)) {
            describe_inet(address, buffer, size);
            return buffer;
        }
        break;
    case AF_UNIX:
        describe_unix(address, length, buffer, size);
        return buffer;
    default:
        break;
    }
    snprintf(buffer, size, "(address family %d)", (int)address->sa_family);
    return buffer;
}

const char *connect_describe_listed(const struct connect_rule *rule, const struct sockaddr *address,
                                    socklen_t length, char *buffer, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    const char *name = !rule                          ? NULL
                       : rule->kind == RULE_NAME      ? rule->name
                       : rule->kind == RULE_LOCALHOST ? "localhost"
                                                      : NULL;
    uint16_t port = address_has_family(address, length) ? connect_address_port(address, length) : 0;
    if(!name || !port || size == 0)
        return connect_describe_target(address, length, buffer, size);
    if(address->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, host, sizeof(host));
    snprintf(buffer, size, "%s:%u (%s)", name, (unsigned)port, host);
    return buffer;
}

struct errno_words {
    int error;
    const char *text;
};

static const struct errno_words errno_table[] = {
    {ECONNREFUSED, "Connection refused (ECONNREFUSED)"},
    {ENETUNREACH, "Network is unreachable (ENETUNREACH)"},
    {EHOSTUNREACH, "No route to host (EHOSTUNREACH)"},
    {ETIMEDOUT, "Connection timed out (ETIMEDOUT)"},
    {EADDRNOTAVAIL, "Cannot assign requested address (EADDRNOTAVAIL)"},
    {ENOENT, "No such file or directory (ENOENT)"},
    {EAGAIN, "Resource temporarily unavailable (EAGAIN)"},
    {EINTR, "Interrupted system call (EINTR)"},
    {ECONNRESET, "Connection reset by peer (ECONNRESET)"},
    {EACCES, "Permission denied (EACCES)"},
    {EPERM, "Operation not permitted (EPERM)"},
    {EINPROGRESS, "Operation now in progress (EINPROGRESS)"},
    {EISCONN, "Transport endpoint is already connected (EISCONN)"},
};

const char *connect_errno_text(int error, char *buffer, size_t size)
{
    for(size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++) {
        if(errno_table[i].error == error)
            return errno_table[i].text;
    }
    snprintf(buffer, size, "errno %d", error);
    return buffer;
}
