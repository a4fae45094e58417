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

bool connect_call_eligible(const struct tryagain_config *config, const struct connect_call *call)
{
    if(config->max_attempts <= 1 || config->connect_kinds == 0)
        return false;
    /* A non-blocking connect's failure arrives later, through poll and SO_ERROR: the program
       owns that path, and retrying there would change what it observes. */
    if(call->nonblocking || call->socket_type != SOCK_STREAM)
        return false;
    if(!address_has_family(call->address, call->length))
        return false;
    int kind = connect_kind_of_family(call->address->sa_family);
    if(!(config->connect_kinds & kind))
        return false;
    return connect_filter_match(&config->connect_to, call->address, call->length);
}

struct retry_plan connect_retry_plan(const struct tryagain_config *config, int attempt,
                                     long elapsed_ms, long previous_wait_ms, uint64_t random)
{
    /* A connect() failure carries no Retry-After: the plain backoff of every other failure. */
    return policy_plan_backoff(config, attempt, elapsed_ms, previous_wait_ms, random);
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
