/* A libcurl program that drives the multi interface the ways real programs do, for the
   integration tests. It knows nothing of tryagain.
     multi_loop MODE [options] URL...
   MODE: wait (curl_multi_wait, as R and PHP), poll (curl_multi_poll, as curl -Z), fdset
   (curl_multi_timeout + curl_multi_fdset + select, as git), socket (curl_multi_socket_action
   over epoll and a timerfd, as event-loop daemons), late (curl_multi_wait, and messages read
   only after the loop ends), socketall (the deprecated curl_multi_socket_all and
   curl_multi_wait, as old event-loop code does).
   Options: --post DATA (every transfer POSTs DATA), --fail (CURLOPT_FAILONERROR),
   --remove-after MS (remove the first transfer from the multi MS ms after the start and
   clean its handle up), --threads N (N threads, each running every URL on a multi of its own;
   wait and poll modes), --fork-at MS (fork MS ms after the start; the child makes one easy
   transfer of the last URL and exits with its CURLcode), --early-timer MS (socket mode: arm the
   timer MS ms before the time libcurl asked for, as event loops with a cached clock do),
   --remove-in-callback (the write callback tries to remove its transfer from the multi, which
   libcurl refuses there with CURLM_RECURSIVE_API_CALL; prints "remove in callback -> N").
   Mode removedone: run to the end without reading messages, remove every transfer, then read:
   prints "after remove: no message" when nothing is left, as libcurl does.
   Prints each transfer's body on stdout in URL order, then on stderr one line per completion
   ("done I rc=N status=N left=N") and "loops=N" (calls of perform or socket_action). Exits 0
   when every remaining transfer completed with CURLE_OK (and the child, if any, too). */
#define CURL_DISABLE_DEPRECATION 1 /* the socketall mode calls curl_multi_socket_all */
#include <curl/curl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TRANSFERS_MAX 128

struct transfer {
    CURL *handle;
    char *body;
    size_t length;
    bool done;
    bool removed;
};

static struct transfer transfers[TRANSFERS_MAX];
static int transfer_count;
static long loops;
static long early_timer_ms;
static bool remove_in_callback;
static CURLM *the_multi;
static int epoll_fd = -1;
static int timer_fd = -1;

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    struct transfer *t = userdata;
    size_t length = size * count;
    if(remove_in_callback && !t->length) {
        CURLMcode code = curl_multi_remove_handle(the_multi, t->handle);
        fprintf(stderr, "remove in callback -> %d\n", (int)code);
    }
    char *grown = realloc(t->body, t->length + length + 1);
    if(!grown)
        return 0;
    t->body = grown;
    memcpy(t->body + t->length, data, length);
    t->length += length;
    return length;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int index_of(CURL *handle)
{
    for(int i = 0; i < transfer_count; i++) {
        if(transfers[i].handle == handle)
            return i;
    }
    return -1;
}

static int failures;

static void read_messages(CURLM *multi)
{
    int left;
    CURLMsg *message;
    while((message = curl_multi_info_read(multi, &left))) {
        if(message->msg != CURLMSG_DONE)
            continue;
        int i = index_of(message->easy_handle);
        long status = 0;
        curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        fprintf(stderr, "done %d rc=%d status=%ld left=%d\n", i, (int)message->data.result, status,
                left);
        if(message->data.result != CURLE_OK)
            failures++;
        if(i >= 0)
            transfers[i].done = true;
        CURL *handle = message->easy_handle;
        curl_multi_remove_handle(multi, handle);
        /* Still readable after the remove, as libcurl's own message is. */
        if(message->easy_handle != handle)
            fprintf(stderr, "message changed after remove\n");
    }
}

/* socket mode: libcurl tells which sockets to watch and when to call it back. */
static int on_socket(CURL *handle, curl_socket_t socket, int what, void *userp, void *socketp)
{
    (void)handle;
    (void)userp;
    (void)socketp;
    struct epoll_event event = {0};
    event.data.fd = socket;
    if(what == CURL_POLL_REMOVE) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    event.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if(epoll_ctl(epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0)
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, socket, &event);
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    (void)userp;
    struct itimerspec spec = {0};
    if(timeout_ms >= 0) {
        /* 0 would disarm: the shortest wait instead */
        long ms = timeout_ms > early_timer_ms ? timeout_ms - early_timer_ms : 1;
        spec.it_value.tv_sec = ms / 1000;
        spec.it_value.tv_nsec = (ms % 1000) * 1000000L;
    }
    timerfd_settime(timer_fd, 0, &spec, NULL);
    return 0;
}

static void run_socket_loop(CURLM *multi, bool stop_at_zero)
{
    int running = 1;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    while(running) {
        struct epoll_event events[16];
        int ready = epoll_wait(epoll_fd, events, 16, 10000);
        for(int i = 0; i < ready; i++) {
            loops++;
            if(events[i].data.fd == timer_fd) {
                unsigned long long expirations;
                if(read(timer_fd, &expirations, sizeof(expirations)) < 0)
                    continue;
                curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
            }
            else {
                int mask = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                           (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0);
                curl_multi_socket_action(multi, events[i].data.fd, mask, &running);
            }
        }
        read_messages(multi);
        if(ready == 0)
            break; /* nothing for 10 s: a lost timer */
        (void)stop_at_zero;
    }
}

int main(int argc, char **argv)
{
    if(argc < 3) {
        fprintf(stderr, "usage: multi_loop MODE [options] URL...\n");
        return 2;
    }
    const char *mode = argv[1];
    const char *post = NULL;
    bool fail = false;
    long remove_after = -1;
    bool stop_at_zero = false;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    the_multi = multi;
    for(int i = 2; i < argc; i++) {
        if(!strcmp(argv[i], "--post") && i + 1 < argc) {
            post = argv[++i];
            continue;
        }
        if(!strcmp(argv[i], "--fail")) {
            fail = true;
            continue;
        }
        if(!strcmp(argv[i], "--remove-after") && i + 1 < argc) {
            remove_after = atol(argv[++i]);
            continue;
        }
        if(!strcmp(argv[i], "--early-timer") && i + 1 < argc) {
            early_timer_ms = atol(argv[++i]);
            continue;
        }
        if(!strcmp(argv[i], "--remove-in-callback")) {
            remove_in_callback = true;
            continue;
        }
        if(!strcmp(argv[i], "--stop-at-zero")) {
            stop_at_zero = true;
            continue;
        }
        if(transfer_count == TRANSFERS_MAX)
            break;
        struct transfer *t = &transfers[transfer_count++];
        t->handle = curl_easy_init();
        curl_easy_setopt(t->handle, CURLOPT_URL, argv[i]);
        curl_easy_setopt(t->handle, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(t->handle, CURLOPT_WRITEDATA, t);
        if(post)
            curl_easy_setopt(t->handle, CURLOPT_COPYPOSTFIELDS, post);
        if(fail)
            curl_easy_setopt(t->handle, CURLOPT_FAILONERROR, 1L);
        curl_multi_add_handle(multi, t->handle);
    }
    if(!strcmp(mode, "socket")) {
        epoll_fd = epoll_create1(0);
        timer_fd = timerfd_create(CLOCK_MONOTONIC, 0);
        struct epoll_event event = {.events = EPOLLIN, .data.fd = timer_fd};
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &event);
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
        run_socket_loop(multi, stop_at_zero);
    }
    else {
        long long started = now_ms();
        int running = 1;
        bool late = !strcmp(mode, "late") || !strcmp(mode, "removedone");
        while(running) {
            loops++;
            if(!strcmp(mode, "socketall"))
                curl_multi_socket_all(multi, &running);
            else
                curl_multi_perform(multi, &running);
            if(!late)
                read_messages(multi);
            if(remove_after >= 0 && now_ms() - started >= remove_after && !transfers[0].done &&
               !transfers[0].removed) {
                curl_multi_remove_handle(multi, transfers[0].handle);
                curl_easy_cleanup(transfers[0].handle);
                transfers[0].removed = true;
                fprintf(stderr, "removed 0\n");
            }
            if(!running || (stop_at_zero && !running))
                break;
            if(!strcmp(mode, "poll")) {
                curl_multi_poll(multi, NULL, 0, 1000, NULL);
            }
            else if(!strcmp(mode, "fdset")) {
                long timeout = -1;
                curl_multi_timeout(multi, &timeout);
                if(timeout == 0)
                    continue;
                if(timeout < 0 || timeout > 1000)
                    timeout = 1000;
                fd_set r, w, e;
                FD_ZERO(&r);
                FD_ZERO(&w);
                FD_ZERO(&e);
                int max_fd = -1;
                curl_multi_fdset(multi, &r, &w, &e, &max_fd);
                struct timeval tv = {timeout / 1000, (timeout % 1000) * 1000};
                select(max_fd + 1, &r, &w, &e, &tv);
            }
            else {
                curl_multi_wait(multi, NULL, 0, 1000, NULL);
            }
        }
        if(!strcmp(mode, "removedone")) {
            for(int i = 0; i < transfer_count; i++) {
                curl_multi_remove_handle(multi, transfers[i].handle);
                transfers[i].done = true;
            }
            int left = 0;
            CURLMsg *message = curl_multi_info_read(multi, &left);
            fprintf(stderr, "after remove: %s\n", message ? "a message" : "no message");
        }
        else if(late) {
            read_messages(multi);
        }
    }
    for(int i = 0; i < transfer_count; i++) {
        if(transfers[i].removed)
            continue;
        if(transfers[i].body)
            fwrite(transfers[i].body, 1, transfers[i].length, stdout);
        if(!transfers[i].done) {
            fprintf(stderr, "not done %d\n", i);
            failures++;
        }
        curl_easy_cleanup(transfers[i].handle);
        free(transfers[i].body);
    }
    fprintf(stderr, "loops=%ld\n", loops);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return failures ? 1 : 0;
}
