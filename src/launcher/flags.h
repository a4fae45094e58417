/* The tryagain command line, turned into TRYAGAIN_* settings. Pure: no environment, no I/O, so
   every flag and every bad value can be unit tested. */
#ifndef TRYAGAIN_LAUNCHER_FLAGS_H
#define TRYAGAIN_LAUNCHER_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/options.h"

#define TRYAGAIN_VERSION "0.1.0"

/* Exit statuses shared by the command's modes (a shell's own for exec failures). */
enum {
    EXIT_USAGE = 2,
    EXIT_NOT_EXECUTABLE = 126,
    EXIT_NOT_FOUND = 127,
};

enum launch_mode {
    MODE_RUN, /* exec argv[command_index] with the settings */
    MODE_DOCTOR, /* report on argv[command_index] */
    MODE_STATUS, /* what the processes share per host */
    MODE_HELP,
    MODE_VERSION,
    MODE_ERROR, /* error holds the one line to print */
};

/* One environment variable to set. value points into argv or at a string literal, except for
   numbers (attempts, durations in milliseconds), which are formatted into number_text. */
struct env_setting {
    const char *name;
    const char *value;
    char number_text[24];
};

/* A later flag for a variable replaces the earlier one: one setting per variable at most. */
#define LAUNCH_SETTINGS_MAX TRYAGAIN_OPTION_COUNT

struct launch_plan {
    enum launch_mode mode;
    int command_index; /* MODE_RUN and MODE_DOCTOR: first argument of the command */
    struct env_setting setting[LAUNCH_SETTINGS_MAX];
    int setting_count;
    bool show_usage; /* MODE_ERROR: the mistake is in the command's shape, not a value */
    char error[512];
};

/* Reads argv (argv[0] is tryagain itself). Never fails: mistakes are MODE_ERROR. A later flag
   for the same variable replaces an earlier one. */
void flags_parse(int argc, char *const argv[], struct launch_plan *plan);

/* The flags in --help order within each section: those of the TRYAGAIN_* variables, in
   policy/options.c's order (*option is the variable), then tryagain's own --help and --version
   (*option is NULL). Variables without a flag are skipped; NULL past the last flag. */
const struct option_flag *flag_at(size_t index, const struct tryagain_option **option);

/* The value a setting carries, whichever form it was stored in. */
const char *env_setting_value(const struct env_setting *setting);

/* The setting for one variable, or NULL when no flag set it. */
const struct env_setting *launch_plan_find(const struct launch_plan *plan, const char *name);

enum duration_result { DURATION_OK, DURATION_MALFORMED, DURATION_TOO_LONG };

/* "250ms", "2s", "1.5s", "1m", "1h", or a bare number of seconds ("3", "0.5"), into
   milliseconds. Malformed: anything else, or a fraction of a millisecond. Too long: more than
   the library's limit of a day. *out_ms is set only when OK. */
enum duration_result duration_parse_ms(const char *text, long *out_ms);

#endif
