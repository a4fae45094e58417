/* Nanoseconds per successful connect(): a UDP socket connected to the loopback again and again.
   UDP because its connect() succeeds in about a microsecond without a peer, so the cost a hook
   adds is not lost in a TCP handshake's noise. Prints the best of several rounds.

     bench_connect [CALLS_PER_ROUND [ROUNDS]] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(9)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    double best = -1;
    for(int round = 0; round < rounds; round++) {
        double started = now_ns();
        for(long i = 0; i < calls; i++) {
            if(connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0) {
                perror("connect");
                return 1;
            }
        }
        double per_call = (now_ns() - started) / (double)calls;
        if(best < 0 || per_call < best)
            best = per_call;
    }
    close(fd);
    printf("%.1f\n", best);
    return 0;
}
