/* log_format_event and log_format_stats with fuzzed events. Whatever the method, URL, address
   or numbers, a log line is one line: it ends in its only newline, holds no other control
   character, and in JSON is a well-formed flat object (checked by a strict little parser) when
   the buffer is the size runtime.c uses. */
#include <ctype.h>
#include <string.h>

#include "fuzz_input.h"
#include "policy/log_format.h"
#include "policy/retry_plan.h"
#include "policy/retry_after.h"

#define RUNTIME_LINE_SIZE 1024 /* runtime_log's buffer */
#define WALL_MS_MAX 253402300799999LL /* the last millisecond of year 9999 */

/* Words libcurl's curl_easy_strerror and connect_errno_text give, the longest included. */
static const char *const error_words[] = {
    "Couldn't connect to server",
    "Timeout was reached",
    ("A requested feature, protocol or option was not found built-in in this libcurl due to a "
     "build-time decision."),
    "Connection refused (ECONNREFUSED)",
    "errno -2147483648",
};

struct json_cursor {
    const char *p;
    const char *end;
};

static bool json_string(struct json_cursor *c)
{
    if(c->p >= c->end || *c->p != '"')
        return false;
    for(c->p++; c->p < c->end; c->p++) {
        unsigned char ch = (unsigned char)*c->p;
        if(ch == '"') {
            c->p++;
            return true;
        }
        if(ch < 0x20)
            return false;
        if(ch != '\\')
            continue;
        c->p++;
        if(c->p >= c->end)
            return false;
        if(*c->p == 'u') {
            for(int i = 0; i < 4; i++) {
                c->p++;
                if(c->p >= c->end || !isxdigit((unsigned char)*c->p))
                    return false;
            }
        }
        else if(!strchr("\"\\/bfnrt", *c->p)) {
            return false;
        }
    }
    return false;
}

static bool json_number(struct json_cursor *c)
{
    if(c->p < c->end && *c->p == '-')
        c->p++;
    const char *digits = c->p;
    while(c->p < c->end && isdigit((unsigned char)*c->p))
        c->p++;
    return c->p > digits;
}

/* {"key":value,...} with string and integer values: all the log ever writes. */
static bool json_flat_object(const char *text, size_t length)
{
    struct json_cursor c = {text, text + length};
    if(c.p >= c.end || *c.p++ != '{')
        return false;
    for(;;) {
        if(!json_string(&c) || c.p >= c.end || *c.p++ != ':')
            return false;
        bool value = c.p < c.end && *c.p == '"' ? json_string(&c) : json_number(&c);
        if(!value || c.p >= c.end)
            return false;
        char next = *c.p++;
        if(next == '}')
            return c.p == c.end;
        if(next != ',')
            return false;
    }
}

static void check_line(const char *buffer, size_t length, size_t size)
{
    FUZZ_CHECK(length < size);
    FUZZ_CHECK(strlen(buffer) == length);
    FUZZ_CHECK(length >= 1 && buffer[length - 1] == '\n');
    FUZZ_CHECK(!fuzz_has_control_char(buffer, length - 1));
}

static void check_json(const char *buffer, size_t length)
{
    FUZZ_CHECK(json_flat_object(buffer, length - 1));
}

/* A string of at most max bytes, no NUL, malloc'ed to its exact size. */
static char *take_text(struct fuzz_input *in, size_t max)
{
    const uint8_t *bytes;
    size_t length = fuzz_bytes(in, max, &bytes);
    char *text = malloc(length + 1);
    if(!text)
        abort();
    size_t kept = 0;
    for(size_t i = 0; i < length; i++) {
        if(bytes[i])
            text[kept++] = (char)bytes[i];
    }
    text[kept] = '\0';
    return text;
}

static void format_and_check(const struct log_event *event, enum log_format format,
                             long long wall_ms, long pid, size_t size)
{
    char *buffer = fuzz_exact_copy("", size);
    size_t length = log_format_event(event, format, wall_ms, pid, buffer, size);
    check_line(buffer, length, size);
    if(format == LOG_FORMAT_JSON && size >= RUNTIME_LINE_SIZE)
        check_json(buffer, length);
    free(buffer);
}

static void check_stats(struct fuzz_input *in, long long wall_ms, long pid)
{
    struct log_stats stats = {
        .transfers = (long)fuzz_u64(in),
        .connects = (long)fuzz_u64(in),
        .attempts = (long)fuzz_u64(in),
        .retries = (long)fuzz_u64(in),
        .recovered = (long)fuzz_u64(in),
        .given_up = (long)fuzz_u64(in),
        .waited_ms = (long long)fuzz_u64(in),
    };
    for(int format = LOG_FORMAT_TEXT; format <= LOG_FORMAT_JSON; format++) {
        char buffer[RUNTIME_LINE_SIZE];
        size_t length = log_format_stats(&stats, format, wall_ms, pid, buffer, sizeof(buffer));
        check_line(buffer, length, sizeof(buffer));
        if(format == LOG_FORMAT_JSON)
            check_json(buffer, length);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    uint8_t shape = fuzz_u8(&in);
    /* A custom method is kept up to 23 bytes (handles.h); connect() events have none. */
    char *method = shape & 1 ? take_text(&in, 23) : NULL;
    char *target = take_text(&in, shape & 1 ? 700 : 130);
    struct log_event event = {
        .kind = (enum log_event_kind)(fuzz_u8(&in) % 3),
        .method = method,
        .target = target,
        .http_status = fuzz_bool(&in) ? (long)fuzz_u64(&in) : (long)fuzz_upto(&in, 999),
        .error = shape & 2 ? error_words[fuzz_u8(&in) % 5] : NULL,
        .attempt = (int)fuzz_u32(&in),
        .max_attempts = (int)fuzz_upto(&in, 100),
        .wait_ms = (long)fuzz_upto(&in, RETRY_AFTER_SATURATED_MS + RETRY_AFTER_SATURATED_MS / 10),
        .wait_reason = shape & 4 ? WAIT_RETRY_AFTER : WAIT_BACKOFF,
        .outcome = policy_reason_text((enum plan_reason)(fuzz_u8(&in) % (PLAN_INTERRUPTED + 1))),
    };
    long long wall_ms = (long long)fuzz_upto(&in, WALL_MS_MAX);
    long pid = (long)fuzz_upto(&in, 4194304);
    size_t buffer_size = 65 + fuzz_u16(&in) % 2000; /* the documented minimum is above 64 */

    for(int format = LOG_FORMAT_TEXT; format <= LOG_FORMAT_JSON; format++) {
        format_and_check(&event, format, wall_ms, pid, RUNTIME_LINE_SIZE);
        format_and_check(&event, format, wall_ms, pid, buffer_size);
    }
    check_stats(&in, wall_ms, pid);
    free(method);
    free(target);
    return 0;
}
