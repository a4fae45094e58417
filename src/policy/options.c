/* The one table of TRYAGAIN_* variables (options.h says who reads it). The order is the order of
   config.c's warnings, README.md's variable table and ENVIRONMENT in tryagain(1); the flags keep
   it within each section of --help. */
#include "policy/options.h"

#include "policy/config.h"

#define FIELD(f) offsetof(struct tryagain_config, f)
#define DAY_MS 86400000L
#define MS_ACCEPTS "milliseconds from 0 to 86400000"

const char *const flag_section_title[SECTION_COUNT] = {
    [SECTION_RETRY_POLICY] = "Retry policy",
    [SECTION_WHAT_YOU_SEE] = "What you see",
};

const struct tryagain_option tryagain_options[] = {
    {
        .name = "TRYAGAIN_MAX_ATTEMPTS",
        .default_text = "5",
        .value = VALUE_NUMBER,
        .min = 1,
        .max = 100,
        .offset = FIELD(max_attempts),
        .accepts = "a whole number from 1 to 100",
        .meaning = "total attempts, the first included (1..100); 1 turns retries off",
        .flag = {.long_name = "attempts",
                 .kind = FLAG_COUNT,
                 .section = SECTION_RETRY_POLICY,
                 .help = "attempts in all"},
    },
    {
        .name = "TRYAGAIN_BASE_DELAY_MS",
        .default_text = "1000",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(base_delay_ms),
        .accepts = MS_ACCEPTS,
        .meaning = "ceiling of the first backoff wait",
        .flag = {.long_name = "base-delay",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "first backoff wait"},
    },
    {
        .name = "TRYAGAIN_MAX_DELAY_MS",
        .default_text = "30000",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(max_delay_ms),
        .accepts = MS_ACCEPTS,
        .meaning = "cap on any backoff wait",
        .flag = {.long_name = "max-delay",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "cap on one backoff wait"},
    },
    {
        .name = "TRYAGAIN_JITTER",
        .default_text = "full",
        .value = VALUE_JITTER,
        .offset = FIELD(jitter),
        .accepts = "full, equal, decorrelated or none",
        .meaning = "`full` (uniform 0..ceiling), `equal` (ceiling/2..ceiling), `decorrelated` "
                   "(base..3×previous), `none`",
        .flag = {.long_name = "jitter", .kind = FLAG_WORD, .section = SECTION_RETRY_POLICY},
    },
    {
        .name = "TRYAGAIN_MAX_RETRY_AFTER_MS",
        .default_text = "60000",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(max_retry_after_ms),
        .accepts = MS_ACCEPTS,
        .meaning = "a `Retry-After` longer than this is not waited for: the program gets that "
                   "response at once",
        .flag = {.long_name = "max-retry-after",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "longest Retry-After honoured"},
    },
    {
        .name = "TRYAGAIN_DEADLINE_MS",
        .default_text = "0",
        .default_note = "none",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(deadline_ms),
        .accepts = "milliseconds from 0 (none) to 86400000",
        .meaning = "no retry starts whose wait would end later than this after the call began",
        .flag = {.long_name = "deadline",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "give up once this much time has passed"},
    },
    {
        .name = "TRYAGAIN_RETRY_STATUS",
        .default_text = "408,429,500,502,503,504",
        .value = VALUE_STATUS_LIST,
        .offset = FIELD(retry_status),
        .accepts = "a comma list of statuses 400-599 or classes like 5xx",
        .meaning = "statuses that are retried: codes and classes like `5xx`, 400..599 only",
        .flag = {.long_name = "status",
                 .kind = FLAG_LIST,
                 .example = "429,5xx",
                 .section = SECTION_RETRY_POLICY,
                 .help = "HTTP statuses to retry"},
    },
    {
        .name = "TRYAGAIN_RETRY_UNSAFE",
        .default_text = "0",
        .value = VALUE_BOOL,
        .offset = FIELD(retry_unsafe),
        .accepts = "0 or 1",
        .meaning = "1: retry non-idempotent requests (POST, PATCH) like the rest",
        .flag = {.long_name = "unsafe",
                 .kind = FLAG_SWITCH,
                 .switch_value = "1",
                 .section = SECTION_RETRY_POLICY,
                 .help = "also retry POST, PATCH and other non-idempotent requests"},
    },
    {
        .name = "TRYAGAIN_HOSTS",
        .default_text = "",
        .default_note = "every host",
        .value = VALUE_HOST_LIST,
        .offset = FIELD(hosts),
        .accepts = "a comma list of host names or *.domain patterns",
        .meaning = "comma list of hosts retries apply to: `api.example.com,*.example.org` (`*.` "
                   "matches names below the domain)",
        .flag = {.long_name = "hosts",
                 .kind = FLAG_LIST,
                 .example = "api.example.com,*.example.org",
                 .section = SECTION_RETRY_POLICY,
                 .help = "only these hosts"},
    },
    {
        .name = "TRYAGAIN_IDEMPOTENCY_KEY",
        .default_text = "",
        .default_note = "off",
        .value = VALUE_HEADER_NAME,
        .offset = FIELD(idempotency_key),
        .accepts = "a header name such as Idempotency-Key",
        .meaning = "a header name such as `Idempotency-Key`: every POST, PATCH and other "
                   "non-idempotent request sent without it gets it, with a fresh UUID per call, "
                   "the same on every attempt, and is then retried like an idempotent one",
        .flag = {.long_name = "idempotency-key",
                 .kind = FLAG_NAME,
                 .example = "Idempotency-Key",
                 .section = SECTION_RETRY_POLICY,
                 .help = "send this header with a key on non-idempotent requests"},
    },
    {
        .name = "TRYAGAIN_FALLBACK",
        .default_text = "",
        .default_note = "none",
        .value = VALUE_FALLBACK_MAP,
        .offset = FIELD(fallback),
        .accepts = "a comma list like api.example.com=api-eu.example.com,"
                   "deb.example.org=mirror.example.net:8080",
        .meaning = "fallback hosts, `host[:port]=host[:port],...`: once a host has failed "
                   "`TRYAGAIN_FALLBACK_AFTER` attempts in a row, the call's remaining attempts "
                   "go to its fallback",
        .flag = {.long_name = "fallback",
                 .kind = FLAG_LIST,
                 .example = "api.example.com=api-eu.example.com",
                 .section = SECTION_RETRY_POLICY,
                 .help = "fallback hosts"},
    },
    {
        .name = "TRYAGAIN_FALLBACK_AFTER",
        .default_text = "2",
        .value = VALUE_NUMBER,
        .min = 1,
        .max = 100,
        .offset = FIELD(fallback_after),
        .accepts = "a whole number from 1 to 100",
        .meaning = "failures worth retrying in a row on a host before its fallback takes over",
        .flag = {.long_name = "fallback-after",
                 .kind = FLAG_COUNT,
                 .section = SECTION_RETRY_POLICY,
                 .help = "failures on a host before its fallback"},
    },
    {
        .name = "TRYAGAIN_LOG",
        .default_text = "0",
        .value = VALUE_LOG_LEVEL,
        .offset = FIELD(log_level),
        .accepts = "0, 1 or 2",
        .meaning = "1: one line per retry and per give-up on stderr; 2: every attempt",
        .flag = {.long_name = "verbose",
                 .short_name = 'v',
                 .kind = FLAG_VERBOSE,
                 .section = SECTION_WHAT_YOU_SEE,
                 .help = "log retries and give-ups; -vv logs every attempt"},
    },
    {
        .name = "TRYAGAIN_LOG_FILE",
        .default_text = "",
        .value = VALUE_PATH,
        .offset = FIELD(log_file),
        .accepts = "a file path",
        .meaning = "append log lines to this file instead of stderr",
        .flag = {.long_name = "log-file",
                 .kind = FLAG_PATH,
                 .accepts = "a file path under 1024 bytes",
                 .section = SECTION_WHAT_YOU_SEE,
                 .help = "log there instead of stderr"},
    },
    {
        .name = "TRYAGAIN_LOG_FORMAT",
        .default_text = "text",
        .value = VALUE_LOG_FORMAT,
        .offset = FIELD(log_format),
        .accepts = "text or json",
        .meaning = "`json`: one JSON object per line",
        .flag = {.long_name = "json",
                 .kind = FLAG_SWITCH,
                 .switch_value = "json",
                 .section = SECTION_WHAT_YOU_SEE,
                 .help = "log JSON lines"},
    },
    {
        .name = "TRYAGAIN_STATS",
        .default_text = "0",
        .value = VALUE_BOOL,
        .offset = FIELD(stats),
        .accepts = "0 or 1",
        .meaning = "1: at exit, one summary line (transfers, attempts, retries, recovered, given "
                   "up, time waited)",
        .flag = {.long_name = "stats",
                 .kind = FLAG_SWITCH,
                 .switch_value = "1",
                 .section = SECTION_WHAT_YOU_SEE,
                 .help = "one summary line when the program exits"},
    },
    {
        .name = "TRYAGAIN_CONNECT",
        .default_text = "tcp",
        .value = VALUE_CONNECT_KINDS,
        .offset = FIELD(connect_kinds),
        .accepts = "tcp, unix, tcp,unix or off",
        .meaning = "with no `TRYAGAIN_CONNECT_TO`, which failed blocking `connect()` calls wait "
                   "(`TRYAGAIN_CONNECT_ANY_WAIT_MS`): `tcp`, `unix`, `tcp,unix`; `off`: none at "
                   "all, listed or not",
        .flag = {.long_name = "connect",
                 .kind = FLAG_WORD,
                 .section = SECTION_RETRY_POLICY,
                 .help = "connect() retries"},
    },
    {
        .name = "TRYAGAIN_CONNECT_TO",
        .default_text = "",
        .default_note = "none",
        .value = VALUE_CONNECT_FILTER,
        .offset = FIELD(connect_to),
        .accepts = "a comma list like db:5432,localhost:6379,127.0.0.1:5432,:6379,[::1]:80,"
                   "/run/app.sock",
        .meaning = "the servers to wait for, blocking or non-blocking `connect()` alike: "
                   "`db:5432,localhost:6379,127.0.0.1:5432,:6379,[::1]:80,/run/app.sock`; "
                   "others are then never retried",
        .flag = {.long_name = "wait-for",
                 .former_name = "connect-to",
                 .kind = FLAG_LIST,
                 .example = "db:5432,localhost:6379,/run/app.sock",
                 .section = SECTION_RETRY_POLICY,
                 .help = "wait for these servers to come up"},
    },
    {
        .name = "TRYAGAIN_CONNECT_WAIT_MS",
        .default_text = "30000",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(connect_wait_ms),
        .accepts = MS_ACCEPTS,
        .meaning = "how long a `connect()` to a server of `TRYAGAIN_CONNECT_TO` waits for it to "
                   "come up, from its first failure",
        .flag = {.long_name = "connect-wait",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "how long to wait for a listed server"},
    },
    {
        .name = "TRYAGAIN_CONNECT_ANY_WAIT_MS",
        .default_text = "2000",
        .value = VALUE_NUMBER,
        .min = 0,
        .max = DAY_MS,
        .offset = FIELD(connect_any_wait_ms),
        .accepts = MS_ACCEPTS,
        .meaning = "with no `TRYAGAIN_CONNECT_TO`: how long a blocking `connect()` to any "
                   "address waits; 0 turns that off",
        .flag = {.long_name = "connect-any-wait",
                 .kind = FLAG_DURATION,
                 .section = SECTION_RETRY_POLICY,
                 .help = "how long a blocking connect() waits when no server is listed"},
    },
    {
        .name = "TRYAGAIN_KEEP_DEEPBIND",
        .default_text = "0",
        .value = VALUE_BOOL,
        .offset = FIELD(keep_deepbind),
        .accepts = "0 or 1",
        .meaning = "1: leave `dlopen(..., RTLD_DEEPBIND)` as asked; that library's calls are then "
                   "not reached (see Limits)",
        .flag = {.kind = FLAG_NONE},
    },
    {
        .name = "TRYAGAIN_COORDINATE",
        .default_text = "on",
        .value = VALUE_BOOL,
        .offset = FIELD(coordinate),
        .accepts = "on or off",
        .meaning = "`off`: each process keeps to itself what hosts told it (see \"Coordinated "
                   "retries\")",
        .flag = {.long_name = "coordinate",
                 .kind = FLAG_WORD,
                 .section = SECTION_RETRY_POLICY,
                 .help = "share pacing, budget and breaker per host between processes"},
    },
};

_Static_assert(sizeof(tryagain_options) / sizeof(tryagain_options[0]) == TRYAGAIN_OPTION_COUNT,
               "TRYAGAIN_OPTION_COUNT must be the number of rows of tryagain_options");

const char *flag_value_name(enum flag_kind kind)
{
    switch(kind) {
    case FLAG_COUNT:
        return "N";
    case FLAG_DURATION:
        return "D";
    case FLAG_WORD:
        return "WORD";
    case FLAG_LIST:
        return "LIST";
    case FLAG_PATH:
        return "PATH";
    case FLAG_NAME:
        return "NAME";
    default:
        return NULL;
    }
}
