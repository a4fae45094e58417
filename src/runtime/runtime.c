#include "runtime/runtime.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtime/clock.h"
#include "curl/handles.h"

__thread int runtime_in_transfer;

static struct tryagain_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static int log_fd = STDERR_FILENO;
static struct stat log_file_identity; /* of log_fd, when it is TRYAGAIN_LOG_FILE's */
static pthread_mutex_t log_file_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *lookup_environment(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

static void write_all(int fd, const char *text, size_t length)
{
    while(length) {
        ssize_t written = write(fd, text, length);
        if(written <= 0)
            return; /* a log must never stop the program */
        text += written;
        length -= (size_t)written;
    }
}

static void warn_on_stderr(const char *line, void *ctx)
{
    (void)ctx;
    char buffer[600];
    size_t length = strlen(line);
    if(length > sizeof(buffer) - 2)
        length = sizeof(buffer) - 2;
    memcpy(buffer, line, length);
    buffer[length++] = '\n';
    write_all(STDERR_FILENO, buffer, length);
}

static void open_log_file(void)
{
    if(!config.log_file[0])
        return;
    int fd = open(config.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if(fd < 0) {
        char line[1200];
        snprintf(line, sizeof(line),
                 "tryagain: warning: cannot open TRYAGAIN_LOG_FILE=\"%.1024s\"; logging to stderr",
                 config.log_file);
        warn_on_stderr(line, NULL);
        return;
    }
    fstat(fd, &log_file_identity);
    log_fd = fd;
}

/* A daemon may close every descriptor after start-up and open its own files: the number the
   log file had may now be the program's. Checked before each line (lines are rare), and the
   file opened anew rather than write into a descriptor that is no longer ours. */
static int log_destination(void)
{
    if(log_fd == STDERR_FILENO)
        return log_fd;
    pthread_mutex_lock(&log_file_lock);
    struct stat now;
    if(fstat(log_fd, &now) != 0 || now.st_dev != log_file_identity.st_dev ||
       now.st_ino != log_file_identity.st_ino) {
        log_fd = STDERR_FILENO;
        open_log_file();
    }
    int fd = log_fd;
    pthread_mutex_unlock(&log_file_lock);
    return fd;
}

static void lock_everything(void)
{
    handles_lock();
    pthread_mutex_lock(&log_file_lock);
}

static void unlock_everything(void)
{
    pthread_mutex_unlock(&log_file_lock);
    handles_unlock();
}

static void unlock_everything_in_child(void)
{
    unlock_everything();
    clock_after_fork_in_child();
}

static void load_config(void)
{
    config_parse(&config, lookup_environment, NULL, warn_on_stderr, NULL);
    if(config.log_level > 0 || config.stats)
        open_log_file();
    /* Every lock of the library, taken in one order around fork(): no child inherits one held. */
    pthread_atfork(lock_everything, unlock_everything, unlock_everything_in_child);
}

const struct tryagain_config *runtime_config(void)
{
    pthread_once(&config_once, load_config);
    return &config;
}

static long long wall_ms(void)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (long long)now.tv_sec * 1000 + now.tv_usec / 1000;
}

bool runtime_log_wanted(enum log_event_kind kind)
{
    return runtime_config()->log_level >= (kind == EVENT_DONE ? 2 : 1);
}

void runtime_log(const struct log_event *event)
{
    const struct tryagain_config *c = runtime_config();
    if(!runtime_log_wanted(event->kind))
        return;
    char line[1024];
    size_t length =
        log_format_event(event, c->log_format, wall_ms(), (long)getpid(), line, sizeof(line));
    write_all(log_destination(), line, length);
}

static atomic_long stat_transfers, stat_connects, stat_attempts, stat_retries, stat_recovered,
    stat_given_up;
static atomic_llong stat_waited_ms;

void runtime_count_call(enum stats_call call, int attempts, bool recovered, bool gave_up,
                        long long waited_ms)
{
    if(!config.stats)
        return; /* no shared counters to bounce between cores when nobody reads them */
    atomic_fetch_add(call == STATS_TRANSFER ? &stat_transfers : &stat_connects, 1);
    atomic_fetch_add(&stat_attempts, attempts);
    atomic_fetch_add(&stat_retries, attempts - 1);
    if(recovered)
        atomic_fetch_add(&stat_recovered, 1);
    if(gave_up)
        atomic_fetch_add(&stat_given_up, 1);
    atomic_fetch_add(&stat_waited_ms, waited_ms);
}

__attribute__((destructor)) static void print_stats_at_exit(void)
{
    /* Only a process that used the library has anything to report. */
    if(!config.stats || atomic_load(&stat_transfers) + atomic_load(&stat_connects) == 0)
        return;
    struct log_stats stats = {
        atomic_load(&stat_transfers), atomic_load(&stat_connects),  atomic_load(&stat_attempts),
        atomic_load(&stat_retries),   atomic_load(&stat_recovered), atomic_load(&stat_given_up),
        atomic_load(&stat_waited_ms),
    };
    char line[512];
    size_t length =
        log_format_stats(&stats, config.log_format, wall_ms(), (long)getpid(), line, sizeof(line));
    write_all(log_destination(), line, length);
}
