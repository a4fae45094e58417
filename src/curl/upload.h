/* Uploads re-sent byte for byte: the library's reader stands in for the program's, counting
   what each attempt consumed, so that the source can be put back at its start. */
#ifndef TRYAGAIN_CURL_UPLOAD_H
#define TRYAGAIN_CURL_UPLOAD_H

#include <curl/curl.h>
#include <stdbool.h>

#include "curl/handles.h"
#include "runtime/real.h"

/* Installs or removes the library's reader and seek callback on the real handle, as the
   program's settings call for. Changes nothing when they already match. */
void upload_match_hooks(const struct real_curl *real, CURL *handle, struct handle_state *state);

/* Puts the upload source back at its start for the next attempt; false when it cannot be. */
bool upload_rewind(struct handle_state *state, bool request_sent);

#endif
