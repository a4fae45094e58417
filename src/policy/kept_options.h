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

/* Which of the library's callbacks stands in for a kept option on the real handle: asked two or
   three times of each kept option a program sets, so a second table by the same slots. */
enum callback_group { NOT_A_CALLBACK, WRITE_SIDE, READ_SIDE, SEEK_SIDE };
extern const unsigned char kept_option_groups[1024] __attribute__((visibility("hidden")));

static inline enum callback_group kept_options_group(int option)
{
    unsigned slot = (unsigned)option & 1023;
    return kept_option_slots[slot] == option ? (enum callback_group)kept_option_groups[slot]
                                             : NOT_A_CALLBACK;
}

#endif
