/* Every TRYAGAIN_* variable, written once: how the library parses it (config.c), the flag of the
   tryagain command that sets it (src/launcher/flags.c, and --help built from it), and what the
   documentation says of it. README.md's two tables and tryagain(1) are checked against this
   table by tests/unit/test_launcher_docs.c, so a variable cannot change in one place only. */
#ifndef TRYAGAIN_OPTIONS_H
#define TRYAGAIN_OPTIONS_H

#include <stddef.h>

/* How config.c reads a value. */
enum option_value {
    VALUE_NUMBER, /* a whole number from min to max */
    VALUE_BOOL,
    VALUE_JITTER,
    VALUE_STATUS_LIST,
    VALUE_HOST_LIST,
    VALUE_LOG_LEVEL,
    VALUE_PATH,
    VALUE_LOG_FORMAT,
    VALUE_CONNECT_KINDS,
    VALUE_CONNECT_FILTER,
    VALUE_HEADER_NAME,
    VALUE_FALLBACK_MAP
};

/* What a flag of the tryagain command takes. The kind names the value in --help (flag_value_name)
   and says how the launcher checks it. */
enum flag_kind {
    FLAG_NONE, /* the variable has no flag */
    FLAG_COUNT, /* N: a whole number from the variable's min to max */
    FLAG_DURATION, /* D: a duration, set in milliseconds */
    FLAG_WORD, /* WORD: one of the words the variable accepts, checked by config.c */
    FLAG_LIST, /* LIST: a comma list, checked by config.c */
    FLAG_PATH, /* PATH: a file, made absolute by the launcher */
    FLAG_NAME, /* NAME: one name (a header's), checked by config.c */
    FLAG_SWITCH, /* no value: sets switch_value */
    FLAG_VERBOSE, /* no value: each use raises the log level */
    FLAG_HELP, /* the launcher's own flags, which set no variable */
    FLAG_VERSION,
};

/* The groups of --help, and the .SS sections of OPTIONS in tryagain(1). */
enum flag_section { SECTION_RETRY_POLICY, SECTION_WHAT_YOU_SEE, SECTION_COUNT };
extern const char *const flag_section_title[SECTION_COUNT];

struct option_flag {
    const char *long_name; /* "base-delay" for --base-delay; NULL: no flag */
    const char *former_name; /* a name the flag had before, still accepted; NULL: none */
    char short_name; /* 'v' for -v, or 0 */
    enum flag_kind kind;
    const char *switch_value; /* FLAG_SWITCH */
    const char *example; /* FLAG_LIST: a value to show, "429,5xx" */
    const char *accepts; /* completes "... is not " in an error line, when the variable's own
                            words do not fit (FLAG_DURATION has its own) */
    enum flag_section section;
    const char *help; /* the start of its --help line; the facts (range, words, example) are
                         added from the table */
};

struct tryagain_option {
    const char *name;
    const char *default_text; /* parsed like any value, so the default is written only here */
    const char *default_note; /* what the default means when its text alone does not say:
                                 "none" for a deadline of 0, "every host" for an empty list */
    enum option_value value;
    long min, max; /* VALUE_NUMBER */
    size_t offset; /* field in struct tryagain_config */
    const char *accepts; /* completes "(expected ...)" in a warning line */
    const char *meaning; /* one line of Markdown: README.md's variable table */
    struct option_flag flag;
};

/* options.c fails to compile when the count is not the table's. */
#define TRYAGAIN_OPTION_COUNT 22
extern const struct tryagain_option tryagain_options[];

/* "N", "D", "WORD", "LIST", "PATH" or "NAME"; NULL for a flag that takes no value. */
const char *flag_value_name(enum flag_kind kind);

#endif
