/* A log must never stop or slow the program: writes that fail are dropped, and nothing here
   allocates. Log lines are rare (one per retry), so the descriptor is read under its lock
   every time rather than raced over. */
#include "runtime/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "runtime/fork_safety.h"
#include "runtime/settings.h"

/* Both under LOCK_LOG_FILE. */
static int log_fd = STDERR_FILENO;
static struct stat log_file_identity; /* of log_fd, when it is TRYAGAIN_LOG_FILE's */
static const char *log_file_path; /* the policy's TRYAGAIN_LOG_FILE, NULL when none */

static void write_all(int fd, const char *text, size_t length)
{
    while(length) {
        ssize_t written = write(fd, text, length);
        if(written <= 0)
            return;
        text += written;
        length -= (size_t)written;
    }
}

void log_warning(const char *line, void *ctx)
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

/* Called with LOCK_LOG_FILE held. */
static void open_log_file_locked(void)
{
    log_fd = STDERR_FILENO;
    if(!log_file_path)
        return;
    int fd = open(log_file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if(fd < 0) {
        char line[1200];
        snprintf(line, sizeof(line),
                 "tryagain: warning: cannot open TRYAGAIN_LOG_FILE=\"%.1024s\"; logging to stderr",
                 log_file_path);
        log_warning(line, NULL);
        return;
    }
    fstat(fd, &log_file_identity);
    log_fd = fd;
}

void log_open(const struct tryagain_config *config)
{
    if(!config->log_file[0] || (config->log_level == 0 && !config->stats))
        return;
    lock_take(LOCK_LOG_FILE);
    log_file_path = config->log_file;
    open_log_file_locked();
    lock_give(LOCK_LOG_FILE);
}

/* A daemon may close every descriptor after start-up and open its own files: the number the
   log file had may now be the program's. Checked before each line, and the file opened anew
   rather than write into a descriptor that is no longer ours. The write happens under the lock
   too, so no other thread can reopen (and a program close) the descriptor in between. */
void log_write_line(const char *line, size_t length)
{
    lock_take(LOCK_LOG_FILE);
    struct stat now;
    if(log_fd != STDERR_FILENO &&
       (fstat(log_fd, &now) != 0 || now.st_dev != log_file_identity.st_dev ||
        now.st_ino != log_file_identity.st_ino))
        open_log_file_locked();
    write_all(log_fd, line, length);
    lock_give(LOCK_LOG_FILE);
}

long long log_wall_ms(void)
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
    const struct tryagain_config *config = runtime_config();
    if(!runtime_log_wanted(event->kind) && !(event->notable && config->log_level >= 1))
        return;
    char line[1024];
    size_t length = log_format_event(event, config->log_format, log_wall_ms(), (long)getpid(), line,
                                     sizeof(line));
    log_write_line(line, length);
}
