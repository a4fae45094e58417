/* What the program set on each CURL handle, as far as retries need it, keyed by the handle. */
#ifndef TRYAGAIN_HANDLES_H
#define TRYAGAIN_HANDLES_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>

#include "curl/gate.h"

/* libcurl's own request kinds, from which the method follows when no custom one is set. */
enum base_method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_PUT };

struct handle_state {
    void *handle;
    struct handle_state *next; /* hash chain */

    /* The program's own settings. NULL pointers mean libcurl's defaults. */
    gate_sink_fn write_fn;
    void *write_data;
    bool write_data_set;
    gate_sink_fn header_fn;
    void *header_data;
    bool include_headers;
    curl_read_callback read_fn;
    void *read_data;
    bool read_data_set;
    curl_seek_callback seek_fn;
    void *seek_data;
    char *url;
    bool url_retried; /* an http(s) URL whose host TRYAGAIN_HOSTS lets through */
    char custom_method[24]; /* "" when none; longer methods are kept as "(long)" */
    enum base_method base_method;

    bool formpost; /* CURLOPT_HTTPPOST: libcurl reads its parts itself */
    bool formpost_streams; /* ...and some part comes from the read callback (CURLFORM_STREAM) */

    /* Ours. */
    bool callbacks_installed; /* the real handle calls the gate */
    bool read_hook_installed; /* ...and read_through for uploads */
    bool seek_hook_installed; /* ...and seek_through */
    bool in_perform; /* a perform of this handle is under way (no nesting) */
    bool idempotent; /* of the transfer under way */
    struct gate gate;
    long long upload_bytes_read; /* in the current attempt */
    long upload_start_offset; /* ftell of the default FILE* reader at the call, -1 unknown */
    int attempt;
};

/* Lookup never allocates; find_or_add may (NULL when out of memory). */
struct handle_state *handles_find(const void *handle);
struct handle_state *handles_find_or_add(void *handle);
/* A new handle's state copied from another's (curl_easy_duphandle). */
struct handle_state *handles_duplicate(const struct handle_state *source, void *new_handle);
/* Back to the state of a new handle (curl_easy_reset). */
void handles_forget_settings(struct handle_state *state);
/* Unlinks the handle's state from the table (NULL when none); handles_free frees it. */
struct handle_state *handles_take(const void *handle);
void handles_free(struct handle_state *state);

/* The sinks libcurl would use with these settings (its defaults: fwrite to stdout; headers to
   HEADERDATA through the write function when only HEADERDATA is set). */
void handles_update_sinks(struct handle_state *state);
/* "GET", "POST", or the program's custom method. */
const char *handles_method(const struct handle_state *state);

/* For pthread_atfork: the table lock, so a child never inherits it held. */
void handles_lock(void);
void handles_unlock(void);

#endif
