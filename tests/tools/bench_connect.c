/* Nanoseconds per call of what the connect() and getaddrinfo() hooks sit in front of. Prints the
   best of several rounds.

     bench_connect [CALLS_PER_ROUND [ROUNDS [MODE]]]

   MODE udp (the default): a UDP socket connected to the loopback again and again; its connect()
   succeeds in about a microsecond without a peer, so the cost a hook adds is not lost in a TCP
   handshake's noise.
   MODE nonblock: a non-blocking TCP connect() to a loopback port nobody listens on (EINPROGRESS,
   what every event loop sees), timed around connect() alone: socket() and close() are not
   counted. Run with a TRYAGAIN_CONNECT_TO that does not name it: an unlisted server.
   MODE resolve: getaddrinfo("localhost", "80") and freeaddrinfo(): a name that is not listed. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

static double round_udp(long calls, const struct sockaddr_in *peer, int fd)
{
    double started = now_ns();
    for(long i = 0; i < calls; i++) {
        if(connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) != 0) {
            perror("connect");
            exit(1);
        }
    }
    return now_ns() - started;
}

static double round_nonblock(long calls, const struct sockaddr_in *peer)
{
    double spent = 0;
    for(long i = 0; i < calls; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        double started = now_ns();
        connect(fd, (const struct sockaddr *)peer, sizeof(*peer));
        spent += now_ns() - started;
        close(fd);
    }
    return spent;
}

static double round_resolve(long calls)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    double started = now_ns();
    for(long i = 0; i < calls; i++) {
        struct addrinfo *list = NULL;
        if(getaddrinfo("localhost", "80", &hints, &list) != 0) {
            fprintf(stderr, "getaddrinfo failed\n");
            exit(1);
        }
        freeaddrinfo(list);
    }
    return now_ns() - started;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    const char *mode = argc > 3 ? argv[3] : "udp";
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(9)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if(!strcmp(mode, "nonblock")) {
        /* a port that refuses: bound, never listening */
        struct sockaddr_in local = peer;
        local.sin_port = 0;
        int holder = socket(AF_INET, SOCK_STREAM, 0);
        socklen_t length = sizeof(local);
        bind(holder, (struct sockaddr *)&local, sizeof(local));
        getsockname(holder, (struct sockaddr *)&local, &length);
        peer.sin_port = local.sin_port;
    }
    double best = -1;
    for(int round = 0; round < rounds; round++) {
        double spent = !strcmp(mode, "nonblock")  ? round_nonblock(calls, &peer)
                       : !strcmp(mode, "resolve") ? round_resolve(calls)
                                                  : round_udp(calls, &peer, fd);
        double per_call = spent / (double)calls;
        if(best < 0 || per_call < best)
            best = per_call;
    }
    close(fd);
    printf("%.1f\n", best);
    return 0;
}
