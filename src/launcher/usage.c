/* The --help text. Its option lines are made from the flags (flags.c, policy/options.c) when
   printed, so a flag, its range, words, example and default can only be what the table says. */
#include "usage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"

#define DESCRIPTION_COLUMN 26
/* A line longer than this puts its "(TRYAGAIN_..., default)" on a line of its own. */
#define LINE_WIDTH 90

static const char intro[] = USAGE_LINE
    "\n"
    "Runs command with libtryagain preloaded, so its failed libcurl transfers and connect()\n"
    "calls are retried. Every option sets one TRYAGAIN_* variable (see tryagain(1)).\n";

static const char outro[] =
    "\n"
    "D is a duration: 250ms, 2s, 1.5s, 1m, 1h; a bare number is seconds, as in curl's\n"
    "--retry-delay. Options also take the form --option=value.\n"
    "\n"
    "Exit status: the command's own; 2 for a usage error (the command is not run); 125 when\n"
    "tryagain cannot set up; 126 and 127 when the command cannot be run or is not found.\n"
    "\"tryagain doctor PROGRAM\" tells whether tryagain can help PROGRAM (0 yes, 1 no).\n"
    "\"tryagain status\" shows what this user's processes share per host: pacing, budget, "
    "breaker.\n";

/* Whole seconds as seconds ("1s", "60s"), anything else in milliseconds. */
static void format_duration(const char *milliseconds, char *out, size_t size)
{
    long ms = strtol(milliseconds, NULL, 10);
    if(ms == 0)
        snprintf(out, size, "0");
    else if(ms % 1000 == 0)
        snprintf(out, size, "%lds", ms / 1000);
    else
        snprintf(out, size, "%ldms", ms);
}

/* "attempts in all, 1 to 100": the flag's help, completed with the facts of its variable. */
static void describe(const struct option_flag *flag, const struct tryagain_option *option,
                     char *out, size_t size)
{
    switch(flag->kind) {
    case FLAG_COUNT:
        snprintf(out, size, "%s, %ld to %ld", flag->help, option->min, option->max);
        break;
    case FLAG_DURATION:
        if(option->default_note && !strcmp(option->default_text, "0"))
            snprintf(out, size, "%s, 0 for %s", flag->help, option->default_note);
        else
            snprintf(out, size, "%s", flag->help);
        break;
    case FLAG_WORD:
        if(flag->help)
            snprintf(out, size, "%s: %s", flag->help, option->accepts);
        else
            snprintf(out, size, "%s", option->accepts);
        break;
    case FLAG_LIST:
    case FLAG_NAME:
        snprintf(out, size, "%s, e.g. %s", flag->help, flag->example);
        break;
    default:
        snprintf(out, size, "%s", flag->help);
        break;
    }
}

/* "(TRYAGAIN_MAX_DELAY_MS, 30s)", "(TRYAGAIN_STATS=1)"; empty for tryagain's own flags. */
static void variable_note(const struct option_flag *flag, const struct tryagain_option *option,
                          char *out, size_t size)
{
    char shown[64] = "";
    if(!option) {
        out[0] = '\0';
        return;
    }
    if(flag->kind == FLAG_SWITCH) {
        snprintf(out, size, "(%s=%s)", option->name, flag->switch_value);
        return;
    }
    if(flag->kind == FLAG_DURATION)
        format_duration(option->default_text, shown, sizeof(shown));
    else if(flag->kind != FLAG_VERBOSE && *option->default_text)
        snprintf(shown, sizeof(shown), "%s", option->default_text);
    else if(flag->kind != FLAG_VERBOSE && option->default_note)
        snprintf(shown, sizeof(shown), "%s", option->default_note);
    if(*shown)
        snprintf(out, size, "(%s, %s)", option->name, shown);
    else
        snprintf(out, size, "(%s)", option->name);
}

static bool section_has_short_flags(enum flag_section section)
{
    const struct tryagain_option *option;
    const struct option_flag *flag;
    for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
        if(flag->section == section && flag->short_name)
            return true;
    }
    return false;
}

static void print_flag(FILE *out, const struct option_flag *flag,
                       const struct tryagain_option *option, bool align_with_short)
{
    char line[512];
    char short_form[8] = "";
    if(flag->short_name)
        snprintf(short_form, sizeof(short_form), "-%c, ", flag->short_name);
    else if(align_with_short)
        snprintf(short_form, sizeof(short_form), "    ");
    const char *value_name = flag_value_name(flag->kind);
    int used = snprintf(line, sizeof(line), "  %s--%s%s%s", short_form, flag->long_name,
                        value_name ? " " : "", value_name ? value_name : "");
    int pad = used < DESCRIPTION_COLUMN ? DESCRIPTION_COLUMN - used : 1;
    char description[256];
    describe(flag, option, description, sizeof(description));
    snprintf(line + used, sizeof(line) - (size_t)used, "%*s%s", pad, "", description);
    char note[256];
    variable_note(flag, option, note, sizeof(note));
    if(!*note)
        fprintf(out, "%s\n", line);
    else if(strlen(line) + 1 + strlen(note) > LINE_WIDTH)
        fprintf(out, "%s\n%*s%s\n", line, DESCRIPTION_COLUMN, "", note);
    else
        fprintf(out, "%s %s\n", line, note);
}

void usage_print(FILE *out)
{
    fputs(intro, out);
    for(int section = 0; section < SECTION_COUNT; section++) {
        fprintf(out, "\n%s:\n", flag_section_title[section]);
        bool align = section_has_short_flags((enum flag_section)section);
        const struct tryagain_option *option;
        const struct option_flag *flag;
        for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
            if(flag->section == (enum flag_section)section)
                print_flag(out, flag, option, align);
        }
    }
    fputs(outro, out);
}
