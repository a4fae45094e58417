/* Which request a handle's options make, by libcurl's own rules: the method follows from the
   last of CURLOPT_POST, CURLOPT_UPLOAD, CURLOPT_NOBODY... unless CURLOPT_CUSTOMREQUEST names
   one. Pure: the hook passes every option on, and this only keeps score. */
#ifndef TRYAGAIN_POLICY_REQUEST_H
#define TRYAGAIN_POLICY_REQUEST_H

#include <stdbool.h>

/* libcurl's own request kinds, from which the method follows when no custom one is set. */
enum base_method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_PUT };

#define REQUEST_CUSTOM_METHOD_MAX 24

struct request_shape {
    enum base_method base_method;
    char custom_method[REQUEST_CUSTOM_METHOD_MAX]; /* "" when none; longer ones are "(long)" */
    bool formpost; /* CURLOPT_HTTPPOST: libcurl reads its parts itself */
    bool formpost_streams; /* ...and some part comes from the read callback (CURLFORM_STREAM) */
    /* CURLOPT_UPLOAD (or CURLOPT_PUT) is on: libcurl before 8.1 sends a body from the read
       callback then, whatever base_method says (CURLOPT_NOBODY after it does not stop it). */
    bool upload;
};

/* True for the options that change the request's shape. */
bool request_option_shapes(int option);

/* Notes one option the program set, with its value as setopt received it (number for long
   options, object for pointers: a string, a struct curl_httppost list, a mime handle). */
void request_note_option(struct request_shape *shape, int option, long number, const void *object);

/* "GET", "POST"... or the program's custom method. */
const char *request_method(const struct request_shape *shape);

#endif
