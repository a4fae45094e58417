/* snprintf into the caller's buffer and nothing else: no allocation, so a line can be written
   from any hook. Floating point is avoided on purpose (glibc may allocate to print it). */
#include "policy/log_format.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy/url.h"

struct line {
    char *buffer;
    size_t size;
    size_t used;
    bool truncated; /* something did not fit */
};

static void append(struct line *line, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void append(struct line *line, const char *format, ...)
{
    if(line->used + 2 >= line->size) {
        line->truncated = true;
        return;
    }
    va_list args;
    va_start(args, format);
    int written = vsnprintf(line->buffer + line->used, line->size - line->used - 1, format, args);
    va_end(args);
    if(written < 0)
        return;
    line->used += (size_t)written;
    if(line->used > line->size - 2) {
        line->used = line->size - 2; /* keep room for the newline */
        line->truncated = true;
    }
}

static void append_json_string(struct line *line, const char *text)
{
    append(line, "\"");
    for(const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if(c == '"' || c == '\\')
            append(line, "\\%c", c);
        else if(c < 0x20 || c == 0x7f) /* DEL too: JSON allows it, terminals do not */
            append(line, "\\u%04x", c);
        else
            append(line, "%c", c);
    }
    append(line, "\"");
}

/* Text lines carry the program's own words (a custom method, a socket path): a control
   character in them must not end the line early or reach a terminal as an escape sequence. */
static void append_printable(struct line *line, const char *text)
{
    for(const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        append(line, "%c", c < 0x20 || c == 0x7f ? '?' : (char)c);
    }
}

static const char *event_name(enum log_event_kind kind)
{
    switch(kind) {
    case EVENT_RETRY:
        return "retry";
    case EVENT_GIVE_UP:
        return "give_up";
    case EVENT_DONE:
        return "done";
    }
    return "?";
}

static const char *wait_reason_name(enum wait_reason reason)
{
    switch(reason) {
    case WAIT_RETRY_AFTER:
        return "Retry-After";
    case WAIT_PACING:
        return "pacing";
    case WAIT_POLL:
        return "polling";
    case WAIT_BACKOFF:
        break;
    }
    return "backoff";
}

static void append_time(struct line *line, long long wall_ms)
{
    time_t seconds = (time_t)(wall_ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    append(line, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", utc.tm_year + 1900, utc.tm_mon + 1,
           utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, (int)(wall_ms % 1000));
}

static bool has_text(const char *text)
{
    return text && *text;
}

static void append_json_field(struct line *line, const char *name, const char *text)
{
    if(!has_text(text))
        return;
    append(line, ",\"%s\":", name);
    append_json_string(line, text);
}

static void format_text(struct line *line, const struct log_event *event, long pid,
                        const char *target)
{
    append(line, "tryagain[%ld]: ", pid);
    if(event->method) {
        append_printable(line, event->method);
        append(line, " ");
    }
    else {
        append(line, "%s ", event->call ? "resolve" : "connect");
    }
    append_printable(line, target);
    if(has_text(event->fallback_for)) {
        append(line, " (fallback for ");
        append_printable(line, event->fallback_for);
        if(has_text(event->fallback_why)) {
            append(line, "; ");
            append_printable(line, event->fallback_why);
        }
        append(line, ")");
    }
    append(line, ": ");
    if(event->http_status)
        append(line, "HTTP %ld", event->http_status);
    else
        append_printable(line, event->error ? event->error : "ok");
    if(has_text(event->request_id)) {
        append(line, " (request id ");
        append_printable(line, event->request_id);
        append(line, ")");
    }
    if(event->max_attempts > 0)
        append(line, ", attempt %d/%d; %s", event->attempt, event->max_attempts, event->outcome);
    else
        append(line, ", attempt %d, %ld.%03ld s waited; %s", event->attempt,
               event->waited_ms / 1000, event->waited_ms % 1000, event->outcome);
    if(event->kind == EVENT_RETRY)
        append(line, " in %ld.%03ld s (%s)", event->wait_ms / 1000, event->wait_ms % 1000,
               wait_reason_name(event->wait_reason));
    if(event->kind == EVENT_RETRY && has_text(event->next_host)) {
        append(line, " on fallback ");
        append_printable(line, event->next_host);
        if(has_text(event->fallback_why)) {
            append(line, " (");
            append_printable(line, event->fallback_why);
            append(line, ")");
        }
    }
    else if(event->kind == EVENT_GIVE_UP && event->wait_reason == WAIT_RETRY_AFTER)
        append(line, " (server asked for %ld s)", event->wait_ms / 1000);
}

static void format_json(struct line *line, const struct log_event *event, long long wall_ms,
                        long pid, const char *target)
{
    append(line, "{\"time\":");
    append_time(line, wall_ms);
    append(line, ",\"pid\":%ld,\"event\":\"%s\",", pid, event_name(event->kind));
    if(event->method) {
        append(line, "\"method\":");
        append_json_string(line, event->method);
        append(line, ",\"url\":");
    }
    else if(event->call) {
        append(line, "\"call\":\"getaddrinfo\",\"name\":");
    }
    else {
        append(line, "\"call\":\"connect\",\"address\":");
    }
    append_json_string(line, target);
    append_json_field(line, "fallback_for", event->fallback_for);
    append_json_field(line, "fallback_reason", event->fallback_why);
    append_json_field(line, "call_id", event->call_id);
    if(event->http_status)
        append(line, ",\"status\":%ld", event->http_status);
    if(event->error) {
        append(line, ",\"error\":");
        append_json_string(line, event->error);
    }
    append_json_field(line, "request_id", event->request_id);
    if(event->max_attempts > 0)
        append(line, ",\"attempt\":%d,\"max_attempts\":%d", event->attempt, event->max_attempts);
    else
        append(line, ",\"attempt\":%d,\"waited_ms\":%ld", event->attempt, event->waited_ms);
    if(event->kind == EVENT_RETRY) {
        append(line, ",\"wait_ms\":%ld,\"wait_reason\":\"%s\"", event->wait_ms,
               wait_reason_name(event->wait_reason));
        append_json_field(line, "next_host", event->next_host);
    }
    append(line, ",\"outcome\":");
    append_json_string(line, event->outcome);
    append(line, "}");
}

/* A JSON line cut short is no JSON at all. The target is the only long value (up to 511 bytes,
   twice that escaped), so when the line does not fit, it is shortened and marked with "..."
   until the line does, or the target is gone. */
static void format_json_fitting(struct line *line, const struct log_event *event, long long wall_ms,
                                long pid, char *target)
{
    size_t target_length = strlen(target);
    for(;;) {
        line->used = 0;
        line->truncated = false;
        format_json(line, event, wall_ms, pid, target);
        if(!line->truncated || target_length == 0)
            return;
        target_length = target_length > 16 ? target_length / 2 : 0;
        target[target_length] = '\0';
        if(target_length >= 3)
            memcpy(target + target_length - 3, "...", 3);
    }
}

size_t log_format_event(const struct log_event *event, enum log_format format, long long wall_ms,
                        long pid, char *buffer, size_t size)
{
    struct line line = {buffer, size, 0, false};
    char target[512];
    if(event->method)
        url_redact(event->target, target, sizeof(target));
    else
        snprintf(target, sizeof(target), "%s", event->target);
    if(format == LOG_FORMAT_JSON)
        format_json_fitting(&line, event, wall_ms, pid, target);
    else
        format_text(&line, event, pid, target);
    buffer[line.used++] = '\n';
    buffer[line.used] = '\0';
    return line.used;
}

size_t log_format_stats(const struct log_stats *stats, enum log_format format, long long wall_ms,
                        long pid, char *buffer, size_t size)
{
    struct line line = {buffer, size, 0, false};
    if(format == LOG_FORMAT_JSON) {
        append(&line, "{\"time\":");
        append_time(&line, wall_ms);
        append(&line,
               ",\"pid\":%ld,\"event\":\"stats\",\"transfers\":%ld,\"connects\":%ld,"
               "\"attempts\":%ld,\"retries\":%ld,\"recovered\":%ld,\"given_up\":%ld,"
               "\"waited_ms\":%lld",
               pid, stats->transfers, stats->connects, stats->attempts, stats->retries,
               stats->recovered, stats->given_up, stats->waited_ms);
        if(stats->paced)
            append(&line, ",\"paced\":%ld,\"paced_ms\":%lld", stats->paced, stats->paced_ms);
        append(&line, "}");
    }
    else {
        append(&line,
               "tryagain[%ld]: stats: %ld transfers, %ld connects, %ld attempts, %ld retries, "
               "%ld recovered, %ld given up, %lld.%03lld s waiting",
               pid, stats->transfers, stats->connects, stats->attempts, stats->retries,
               stats->recovered, stats->given_up, stats->waited_ms / 1000, stats->waited_ms % 1000);
        if(stats->paced)
            append(&line, " (%ld paced, %lld.%03lld s)", stats->paced, stats->paced_ms / 1000,
                   stats->paced_ms % 1000);
    }
    buffer[line.used++] = '\n';
    buffer[line.used] = '\0';
    return line.used;
}
