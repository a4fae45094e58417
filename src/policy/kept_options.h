/* The curl_easy_setopt options the library keeps a note of (curl/settings.h), as a table the
   setopt hook can ask in a few instructions: a program sets dozens of options per transfer. */
#ifndef TRYAGAIN_POLICY_KEPT_OPTIONS_H
#define TRYAGAIN_POLICY_KEPT_OPTIONS_H

#include <stdbool.h>

#include <curl/curl.h>

/* Slot n holds the kept option whose number is n modulo 1024, or a value no option has: no
   two kept options share a slot (512 would put CURLOPT_READFUNCTION and CURLOPT_NOBODY in one),
   so one load and one compare answer. */
extern const int kept_option_slots[1024] __attribute__((visibility("hidden")));

static inline bool kept_options_has(int option)
{
    return kept_option_slots[(unsigned)option & 1023] == option;
}

#endif
