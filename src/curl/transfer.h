/* The attempt loop of one curl_easy_perform call. */
#ifndef TRYAGAIN_CURL_TRANSFER_H
#define TRYAGAIN_CURL_TRANSFER_H

#include <curl/curl.h>

#include "curl/handles.h"
#include "policy/config.h"
#include "runtime/real.h"

/* Performs with retries; returns the final attempt's code, as curl_easy_perform would. */
CURLcode transfer_perform(const struct real_curl *real, CURL *handle, struct handle_state *state,
                          const struct tryagain_config *config);

/* After curl_easy_duphandle: point the copy's callbacks at its own state. */
void transfer_adopt_duplicate(const struct real_curl *real, CURL *handle,
                              struct handle_state *state);

#endif
