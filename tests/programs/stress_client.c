/* A libcurl program for the stress tests (tests/stress/test_stress.c). It knows nothing of
   tryagain.

   stress_client threads THREADS COUNT BASE_URL
       THREADS threads, each performing COUNT transfers of BASE_URL/s/T/J one after the other.
       Even threads reuse one handle for all their transfers, odd ones take a new handle each
       time, so both the handle table's reuse and its churn are exercised.
   stress_client fork THREADS COUNT BASE_URL CLOSED_PORT FORKS
       The same transfers (of BASE_URL/f/T/J) while the main thread forks FORKS times. Each
       child performs BASE_URL/c/K with curl, connects to the server's port and to CLOSED_PORT,
       and exits 0 when all went as expected (its own alarm kills it if anything hangs).
   stress_client logfd THREADS COUNT BASE_URL LOG_FILE
       The same transfers (of BASE_URL/l/T/J) while the main thread, like a daemon that
       reuses descriptor numbers, keeps putting /dev/null in place of the descriptor that
       holds LOG_FILE (dup2), each time after a line went through it. Whoever logs next finds
       the descriptor no longer the log file's and opens the file anew, while the other
       threads go on logging. Prints, after the transfers, "log file replaced R times, held by
       D descriptors" (D > 1: the file was opened anew at least once).

   stress_client multi THREADS COUNT BASE_URL FORKS
       THREADS threads, each with a multi handle of its own that runs its COUNT transfers of
       BASE_URL/m/T/J at once (curl_multi_poll), while the main thread forks FORKS times, as
       in fork mode (children get BASE_URL/c/K).

   Prints "T J rc status body" per transfer, in order, and "child K exit N" per child. Exits 0
   when every thread and child finished; the test judges the results. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_TIMEOUT_SECONDS 20

struct text {
    char *data;
    size_t length;
};

static bool text_append(struct text *text, const char *data, size_t length)
{
    char *grown = realloc(text->data, text->length + length + 1);
    if(!grown)
        return false;
    text->data = grown;
    memcpy(text->data + text->length, data, length);
    text->length += length;
    text->data[text->length] = '\0';
    return true;
}

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    return text_append(userdata, data, size * count) ? size * count : 0;
}

struct worker {
    pthread_t thread;
    int index;
    int count;
    const char *base_url;
    const char *prefix; /* "s", "f", "l" or "m" */
    atomic_int *running; /* counted down when the worker is done, if set */
    struct text report;
};

/* One transfer on handle; the body and outcome go to the worker's report. */
static void perform_one(struct worker *w, CURL *handle, int number)
{
    char url[512];
    snprintf(url, sizeof(url), "%s/%s/%d/%d", w->base_url, w->prefix, w->index, number);
    struct text body = {0};
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    char line[700];
    int length = snprintf(line, sizeof(line), "%d %d rc=%d status=%ld body=%s\n", w->index, number,
                          (int)code, status, body.data ? body.data : "");
    if(length > 0)
        text_append(&w->report, line,
                    (size_t)length < sizeof(line) ? (size_t)length : sizeof(line) - 1);
    free(body.data);
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    bool reuse = w->index % 2 == 0;
    CURL *shared = reuse ? curl_easy_init() : NULL;
    for(int number = 0; number < w->count; number++) {
        CURL *handle = reuse ? shared : curl_easy_init();
        if(!handle)
            break;
        perform_one(w, handle, number);
        if(!reuse)
            curl_easy_cleanup(handle);
    }
    if(shared)
        curl_easy_cleanup(shared);
    if(w->running)
        atomic_fetch_sub(w->running, 1);
    return NULL;
}

struct multi_transfer {
    CURL *handle;
    struct text body;
    CURLcode code;
    bool done;
};

/* Every transfer of the worker at once, on a multi of its own; the report in transfer order. */
static void *run_multi_worker(void *arg)
{
    struct worker *w = arg;
    CURLM *multi = curl_multi_init();
    struct multi_transfer *transfers = calloc((size_t)w->count, sizeof(*transfers));
    if(!multi || !transfers)
        return NULL;
    for(int number = 0; number < w->count; number++) {
        char url[512];
        snprintf(url, sizeof(url), "%s/%s/%d/%d", w->base_url, w->prefix, w->index, number);
        struct multi_transfer *t = &transfers[number];
        t->handle = curl_easy_init();
        curl_easy_setopt(t->handle, CURLOPT_URL, url);
        curl_easy_setopt(t->handle, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(t->handle, CURLOPT_WRITEDATA, &t->body);
        curl_easy_setopt(t->handle, CURLOPT_PRIVATE, (void *)t);
        curl_multi_add_handle(multi, t->handle);
    }
    int running = 1;
    while(running) {
        curl_multi_perform(multi, &running);
        int left;
        CURLMsg *message;
        while((message = curl_multi_info_read(multi, &left))) {
            struct multi_transfer *t = NULL;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            t->code = message->data.result;
            t->done = true;
            curl_multi_remove_handle(multi, message->easy_handle);
        }
        if(running)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    for(int number = 0; number < w->count; number++) {
        struct multi_transfer *t = &transfers[number];
        long status = 0;
        curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
        char line[700];
        int length =
            snprintf(line, sizeof(line), "%d %d rc=%d status=%ld body=%s\n", w->index, number,
                     t->done ? (int)t->code : -1, status, t->body.data ? t->body.data : "");
        if(length > 0)
            text_append(&w->report, line,
                        (size_t)length < sizeof(line) ? (size_t)length : sizeof(line) - 1);
        curl_easy_cleanup(t->handle);
        free(t->body.data);
    }
    free(transfers);
    curl_multi_cleanup(multi);
    return NULL;
}

static struct worker *start_workers(int threads, int count, const char *base_url,
                                    const char *prefix, atomic_int *running)
{
    struct worker *workers = calloc((size_t)threads, sizeof(*workers));
    if(!workers)
        return NULL;
    for(int i = 0; i < threads; i++) {
        workers[i] = (struct worker){
            .index = i, .count = count, .base_url = base_url, .prefix = prefix, .running = running};
        void *(*body)(void *) = !strcmp(prefix, "m") ? run_multi_worker : run_worker;
        if(pthread_create(&workers[i].thread, NULL, body, &workers[i])) {
            fprintf(stderr, "pthread_create failed\n");
            exit(3);
        }
    }
    return workers;
}

static void finish_workers(struct worker *workers, int threads)
{
    for(int i = 0; i < threads; i++) {
        pthread_join(workers[i].thread, NULL);
        fwrite(workers[i].report.data ? workers[i].report.data : "", 1, workers[i].report.length,
               stdout);
        free(workers[i].report.data);
    }
    free(workers);
}

static int run_threads(int threads, int count, const char *base_url)
{
    struct worker *workers = start_workers(threads, count, base_url, "s", NULL);
    if(!workers)
        return 3;
    finish_workers(workers, threads);
    return 0;
}

/* Child side of the fork test. Each check has its own exit status, so a failure says which. */
static int child_transfer(const char *base_url, int number)
{
    char url[512];
    char expected[64];
    snprintf(url, sizeof(url), "%s/c/%d", base_url, number);
    snprintf(expected, sizeof(expected), "child%d", number);
    CURL *handle = curl_easy_init();
    if(!handle)
        return 10;
    struct text body = {0};
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(handle);
    bool right = code == CURLE_OK && status == 200 && body.data && !strcmp(body.data, expected);
    if(!right)
        fprintf(stderr, "child %d: rc=%d status=%ld body=%s\n", number, (int)code, status,
                body.data ? body.data : "(none)");
    free(body.data);
    return right ? 0 : 11;
}

static int loopback_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if(fd < 0)
        return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int result = connect(fd, (struct sockaddr *)&address, sizeof(address));
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

static int child_connects(int server_port, int closed_port)
{
    if(loopback_connect(server_port) != 0) {
        fprintf(stderr, "child: connect to the server failed: %s\n", strerror(errno));
        return 12;
    }
    if(loopback_connect(closed_port) == 0 || errno != ECONNREFUSED) {
        fprintf(stderr, "child: connect to a closed port: %s\n", strerror(errno));
        return 13;
    }
    return 0;
}

static void run_child(const char *base_url, int number, int server_port, int closed_port)
{
    alarm(CHILD_TIMEOUT_SECONDS); /* default action: the child dies, the parent reports it */
    int status = child_transfer(base_url, number);
    if(status == 0)
        status = child_connects(server_port, closed_port);
    exit(status); /* exit, not _exit: atexit handlers and destructors must work too */
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    while(nanosleep(&pause, &pause) != 0 && errno == EINTR)
        continue;
}

static int port_of(const char *base_url)
{
    const char *colon = strrchr(base_url, ':');
    return colon ? atoi(colon + 1) : 0;
}

static int run_forks(int threads, int count, const char *base_url, int closed_port, int forks,
                     const char *prefix)
{
    struct worker *workers = start_workers(threads, count, base_url, prefix, NULL);
    if(!workers)
        return 3;
    pid_t *children = calloc((size_t)forks, sizeof(*children));
    for(int k = 0; k < forks; k++) {
        sleep_ms(40); /* spread the forks over the time the threads are busy */
        children[k] = fork();
        if(children[k] == 0)
            run_child(base_url, k, port_of(base_url), closed_port);
        if(children[k] < 0)
            fprintf(stderr, "fork failed: %s\n", strerror(errno));
    }
    int failures = 0;
    for(int k = 0; k < forks; k++) {
        int status = 0;
        if(children[k] > 0)
            waitpid(children[k], &status, 0);
        int code = children[k] > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        printf("child %d exit %d\n", k, code);
        failures += code != 0;
    }
    free(children);
    finish_workers(workers, threads);
    return failures ? 1 : 0;
}

/* Descriptors scanned for the log file; every one replaced stays open (on /dev/null), so a
   thread that already chose it writes into /dev/null, never into a socket that took its
   number. Hence also the bound on replacements. */
#define LOG_FD_LIMIT 512
#define MAX_REPLACEMENTS 150

/* The descriptor other than own that has the file at path open, or -1 (between a replacement
   and the library's next line, none has). */
static int log_descriptor(const char *path, int own)
{
    for(int fd = 3; fd < LOG_FD_LIMIT; fd++) {
        char link[64], target[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, target, sizeof(target) - 1);
        if(length <= 0 || fd == own)
            continue;
        target[length] = '\0';
        if(!strcmp(target, path))
            return fd;
    }
    return -1;
}

static off_t size_of(int fd)
{
    struct stat now;
    return fstat(fd, &now) == 0 ? now.st_size : -1;
}

static int run_log_replacing(int threads, int count, const char *base_url, const char *log_file)
{
    char path[PATH_MAX];
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if(null_fd < 0)
        return 3;
    atomic_int running = threads;
    struct worker *workers = start_workers(threads, count, base_url, "l", &running);
    if(!workers)
        return 3;
    bool held[LOG_FD_LIMIT] = {false};
    int replaced = 0, holders = 0;
    int own = -1; /* the program's own descriptor of the file, to see it grow */
    while(atomic_load(&running) > 0) {
        sleep_ms(1);
        if(own < 0) {
            if(!realpath(log_file, path))
                continue; /* not created yet */
            own = open(path, O_RDONLY | O_CLOEXEC);
            continue;
        }
        int fd = log_descriptor(path, own);
        if(fd < 0)
            continue;
        if(!held[fd]) {
            held[fd] = true;
            holders++;
        }
        if(replaced >= MAX_REPLACEMENTS)
            continue;
        /* A line through fd first: the read below then orders, for ThreadSanitizer, the
           library's opening of fd before this dup2 (a write and a later read of a file
           synchronise there), as it would be for any program that reads its files. */
        off_t before = size_of(own);
        while(size_of(own) == before && atomic_load(&running) > 0)
            sleep_ms(1);
        char byte;
        if(pread(own, &byte, 1, 0) != 1)
            continue;
        if(dup2(null_fd, fd) == fd)
            replaced++;
    }
    finish_workers(workers, threads);
    printf("log file replaced %d times, held by %d descriptors\n", replaced, holders);
    return 0;
}

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status = 2;
    if(argc == 5 && !strcmp(argv[1], "threads"))
        status = run_threads(atoi(argv[2]), atoi(argv[3]), argv[4]);
    else if(argc == 7 && !strcmp(argv[1], "fork"))
        status =
            run_forks(atoi(argv[2]), atoi(argv[3]), argv[4], atoi(argv[5]), atoi(argv[6]), "f");
    else if(argc == 7 && !strcmp(argv[1], "multi"))
        status =
            run_forks(atoi(argv[2]), atoi(argv[3]), argv[4], atoi(argv[5]), atoi(argv[6]), "m");
    else if(argc == 6 && !strcmp(argv[1], "logfd"))
        status = run_log_replacing(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5]);
    else
        fprintf(stderr, "usage: stress_client threads THREADS COUNT BASE_URL\n"
                        "       stress_client fork THREADS COUNT BASE_URL CLOSED_PORT FORKS\n"
                        "       stress_client logfd THREADS COUNT BASE_URL LOG_FILE\n"
                        "       stress_client multi THREADS COUNT BASE_URL CLOSED_PORT FORKS\n");
    curl_global_cleanup();
    return status;
}
