/* A plain socket client for the connect() tests: one blocking (or non-blocking) connect(), then
   what a program would check afterwards, printed as "key=value" lines.

     connect_client [options] HOST PORT      an IPv4 or IPv6 literal
     connect_client [options] --unix PATH

     --nonblock   create the socket non-blocking
     --keepalive  --nodelay  --cloexec       set these before connecting
     --bind       bind to the loopback address, port 0, before connecting
     --read       after connecting, read what the server sends and print it
     --alarm MS   SIGALRM after MS ms, handled without SA_RESTART (interrupts waits)
     --jump MS    SIGALRM after MS ms, whose handler siglongjmps out of connect(); then a
                  second connect() on a new socket, like wget after its timeout

   Exit status: 0 connected, 1 failed, 2 bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

struct options {
    bool nonblock, keepalive, nodelay, cloexec, bind_first, read_reply;
    long alarm_ms, jump_ms;
    const char *unix_path;
    const char *host;
    int port;
};

static sigjmp_buf jump_back;
static volatile sig_atomic_t jumped;

static const char *errno_name(int error)
{
    switch(error) {
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ENOENT:
        return "ENOENT";
    case EINPROGRESS:
        return "EINPROGRESS";
    case EINTR:
        return "EINTR";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case EAGAIN:
        return "EAGAIN";
    case ENETUNREACH:
        return "ENETUNREACH";
    case EHOSTUNREACH:
        return "EHOSTUNREACH";
    case EADDRNOTAVAIL:
        return "EADDRNOTAVAIL";
    default:
        return "other";
    }
}

static void note_alarm(int signal_number)
{
    (void)signal_number;
}

static void jump_out(int signal_number)
{
    (void)signal_number;
    jumped = 1;
    siglongjmp(jump_back, 1);
}

static void arm_alarm(long ms, void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGALRM, &action, NULL); /* no SA_RESTART: the signal interrupts */
    struct itimerval timer = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &timer, NULL);
}

static bool parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    int i = 1;
    for(; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *a = argv[i];
        if(!strcmp(a, "--nonblock"))
            o->nonblock = true;
        else if(!strcmp(a, "--keepalive"))
            o->keepalive = true;
        else if(!strcmp(a, "--nodelay"))
            o->nodelay = true;
        else if(!strcmp(a, "--cloexec"))
            o->cloexec = true;
        else if(!strcmp(a, "--bind"))
            o->bind_first = true;
        else if(!strcmp(a, "--read"))
            o->read_reply = true;
        else if(!strcmp(a, "--alarm") && i + 1 < argc)
            o->alarm_ms = atol(argv[++i]);
        else if(!strcmp(a, "--jump") && i + 1 < argc)
            o->jump_ms = atol(argv[++i]);
        else if(!strcmp(a, "--unix") && i + 1 < argc)
            o->unix_path = argv[++i];
        else
            return false;
    }
    if(o->unix_path)
        return i == argc;
    if(i + 2 != argc)
        return false;
    o->host = argv[i];
    o->port = atoi(argv[i + 1]);
    return true;
}

static socklen_t make_address(const struct options *o, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if(o->unix_path) {
        struct sockaddr_un *un = (struct sockaddr_un *)out;
        un->sun_family = AF_UNIX;
        strncpy(un->sun_path, o->unix_path, sizeof(un->sun_path) - 1);
        return sizeof(*un);
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    if(inet_pton(AF_INET, o->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)o->port);
        return sizeof(*v4);
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if(inet_pton(AF_INET6, o->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)o->port);
        return sizeof(*v6);
    }
    return 0;
}

static int int_option(int fd, int level, int name)
{
    int value = -1;
    socklen_t length = sizeof(value);
    getsockopt(fd, level, name, &value, &length);
    return value;
}

static int local_port(int fd)
{
    struct sockaddr_storage local;
    socklen_t length = sizeof(local);
    if(getsockname(fd, (struct sockaddr *)&local, &length) != 0)
        return -1;
    if(local.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&local)->sin_port);
    if(local.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
    return 0;
}

static int open_socket(const struct options *o, int family, int *bound_port)
{
    int fd = socket(family, SOCK_STREAM | (o->nonblock ? SOCK_NONBLOCK : 0), 0);
    if(fd < 0)
        return -1;
    int one = 1;
    if(o->keepalive)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    if(o->nodelay)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if(o->cloexec)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    *bound_port = 0;
    if(o->bind_first && family == AF_INET) {
        struct sockaddr_in local = {.sin_family = AF_INET};
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd, (struct sockaddr *)&local, sizeof(local));
        *bound_port = local_port(fd);
    }
    return fd;
}

static void print_state(const struct options *o, int fd, int family, int bound_port)
{
    int status_flags = fcntl(fd, F_GETFL);
    int descriptor_flags = fcntl(fd, F_GETFD);
    bool tcp = family != AF_UNIX;
    printf("state keepalive=%d nodelay=%d cloexec=%d nonblock=%d bound_port=%d local_port=%d\n",
           int_option(fd, SOL_SOCKET, SO_KEEPALIVE),
           tcp ? int_option(fd, IPPROTO_TCP, TCP_NODELAY) : 0,
           (descriptor_flags & FD_CLOEXEC) ? 1 : 0, (status_flags & O_NONBLOCK) ? 1 : 0, bound_port,
           tcp ? local_port(fd) : 0);
    if(o->read_reply) {
        char reply[200];
        ssize_t got = read(fd, reply, sizeof(reply) - 1);
        reply[got > 0 ? got : 0] = '\0';
        printf("read=%s", reply);
    }
}

/* Its own function, so that nothing main keeps in registers is clobbered by the longjmp. */
static void connect_until_jump(int fd, const struct sockaddr_storage *address, socklen_t length,
                               long ms)
{
    if(sigsetjmp(jump_back, 1) == 0) {
        arm_alarm(ms, jump_out);
        connect(fd, (const struct sockaddr *)address, length);
    }
    printf("jumped=%d\n", (int)jumped);
}

int main(int argc, char **argv)
{
    struct options o;
    struct sockaddr_storage address;
    socklen_t length;
    if(!parse_options(argc, argv, &o) || !(length = make_address(&o, &address))) {
        fprintf(stderr, "usage: connect_client [options] (HOST PORT | --unix PATH)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    int family = address.ss_family;
    int bound_port;
    int fd = open_socket(&o, family, &bound_port);
    if(o.alarm_ms)
        arm_alarm(o.alarm_ms, note_alarm);
    if(o.jump_ms) {
        connect_until_jump(fd, &address, length, o.jump_ms);
        close(fd);
        fd = open_socket(&o, family, &bound_port);
    }
    int result = connect(fd, (struct sockaddr *)&address, length);
    int error = errno;
    if(result == 0)
        printf("result=0 fd=%d\n", fd);
    else
        printf("result=%d errno=%d %s\n", result, error, errno_name(error));
    print_state(&o, fd, family, bound_port);
    return result == 0 ? 0 : 1;
}
