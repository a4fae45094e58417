/* What the program set on one CURL handle, as far as retries need it: its callbacks and their
   data, the URL, the request's shape. libcurl keeps the same values, except where the library's
   own callbacks stand in on the real handle; then this is the only place the program's are. */
#ifndef TRYAGAIN_CURL_SETTINGS_H
#define TRYAGAIN_CURL_SETTINGS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "curl/gate.h"
#include "policy/config.h"
#include "policy/kept_options.h"
#include "policy/origin.h"
#include "policy/request.h"

/* One setopt argument, read by the type range its option number falls in. */
union option_value {
    long number;
    void *object;
    void (*function)(void);
    curl_off_t offset;
};

#define SETTINGS_URL_INLINE 160

struct program_settings {
    /* NULL pointers mean libcurl's defaults. */
    gate_sink_fn write_fn;
    void *write_data;
    bool write_data_set;
    gate_sink_fn header_fn;
    void *header_data;
    bool include_headers; /* CURLOPT_HEADER */
    curl_read_callback read_fn;
    void *read_data;
    bool read_data_set;
    curl_seek_callback seek_fn;
    void *seek_data;
    char *url; /* owned: url_inline, or from malloc when it does not fit there */
    /* CURLOPT_HTTPHEADER: the program's list, which libcurl does not copy either; the library
       puts its idempotency key in front of it for one call (curl/practices.c). */
    struct curl_slist *headers;
    bool url_retried; /* an http(s) URL whose host TRYAGAIN_HOSTS lets through */
    bool url_says_http; /* it begins with http:// (in any case), so it never tunnels itself */
    /* The URL's origin and its hash, worked out the first time coordination asks (a state file
       exists) and kept until the URL changes: a handle reused for request after request asks
       each time. 0: not yet; 1: in origin and origin_key; 2: the URL has none. */
    int origin_known;
    uint64_t origin_key;
    bool proxy_tunnel; /* CURLOPT_HTTPPROXYTUNNEL: a proxy's CONNECT reply may come first */
    struct request_shape request;
    /* Last, uncleared by settings_init: a usual URL is kept here without an allocation. */
    char url_inline[SETTINGS_URL_INLINE];
    char origin[ORIGIN_MAX];
};

/* Which of the library's hooks stands in for a callback option (policy/kept_options.h).
   Inline: asked of every option the library keeps, two or three times. */
static inline enum callback_group settings_callback_group(CURLoption option)
{
    return kept_options_group((int)option);
}

/* True for every option settings_note keeps: callbacks, the URL, the request's shape. Asked of
   every curl_easy_setopt call (a program sets dozens per transfer), so one table look, inline
   (policy/kept_options.h); a test checks it against settings_callback_group and
   request_option_shapes. */
static inline bool settings_notes(CURLoption option)
{
    return kept_options_has((int)option);
}

/* A new handle's settings: libcurl's defaults. */
void settings_init(struct program_settings *settings);
/* A deep copy, for curl_easy_duphandle. False when out of memory (*copy is then the defaults). */
bool settings_copy(struct program_settings *copy, const struct program_settings *source);
void settings_free(struct program_settings *settings);

/* Notes one option the program set (one settings_notes accepts). */
void settings_note(struct program_settings *settings, CURLoption option, union option_value value,
                   const struct tryagain_config *config);

/* The sinks libcurl would use with these settings (its defaults: fwrite to stdout; headers to
   HEADERDATA through the write function when only HEADERDATA is set). */
void settings_sinks(const struct program_settings *settings, struct gate_sinks *sinks);

/* libcurl's default reader is fread() from CURLOPT_READDATA, itself stdin by default. */
FILE *settings_default_reader_file(const struct program_settings *settings);

#endif
