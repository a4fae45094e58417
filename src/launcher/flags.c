/* The flags are those of policy/options.c's table of variables, each bound to the variable it
   sets, and tryagain's own two. Values are checked here, before anything runs, so a typo costs an
   error line instead of a silently ignored setting: the library itself only warns and falls back
   to its default. */
#include "flags.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/config.h"

#define DURATION_ACCEPTS "a duration (e.g. 250ms, 2s, 1m)"
#define DAY_MS 86400000L

/* tryagain's own flags, which set no variable. */
static const struct option_flag own_flags[] = {
    {.long_name = "help",
     .short_name = 'h',
     .kind = FLAG_HELP,
     .section = SECTION_WHAT_YOU_SEE,
     .help = "this text"},
    {.long_name = "version",
     .kind = FLAG_VERSION,
     .section = SECTION_WHAT_YOU_SEE,
     .help = "tryagain's version"},
};

#define OWN_FLAG_COUNT (sizeof(own_flags) / sizeof(own_flags[0]))

const struct option_flag *flag_at(size_t index, const struct tryagain_option **option)
{
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++) {
        if(tryagain_options[i].flag.kind == FLAG_NONE)
            continue;
        if(index-- == 0) {
            *option = &tryagain_options[i];
            return &tryagain_options[i].flag;
        }
    }
    *option = NULL;
    return index < OWN_FLAG_COUNT ? &own_flags[index] : NULL;
}

/* A flag and the variable it sets (NULL for tryagain's own). */
struct flag_ref {
    const struct option_flag *flag;
    const struct tryagain_option *option;
};

static bool find_flag(const char *name, size_t name_len, struct flag_ref *found)
{
    for(size_t i = 0; (found->flag = flag_at(i, &found->option)); i++) {
        const char *candidate = found->flag->long_name;
        if(strlen(candidate) == name_len && !strncmp(candidate, name, name_len))
            return true;
        /* Scripts written for an earlier release keep working. */
        const char *former = found->flag->former_name;
        if(former && strlen(former) == name_len && !strncmp(former, name, name_len))
            return true;
    }
    return false;
}

static bool find_short_flag(char letter, struct flag_ref *found)
{
    for(size_t i = 0; (found->flag = flag_at(i, &found->option)); i++) {
        if(found->flag->short_name == letter)
            return true;
    }
    return false;
}

/* What a flag's value may be, completing "... is not " in an error line. */
static const char *flag_accepts(const struct flag_ref *ref)
{
    if(ref->flag->kind == FLAG_DURATION)
        return DURATION_ACCEPTS;
    return ref->flag->accepts ? ref->flag->accepts : ref->option->accepts;
}

static bool all_digits(const char *text, size_t len)
{
    if(!len)
        return false;
    for(size_t i = 0; i < len; i++) {
        if(!isdigit((unsigned char)text[i]))
            return false;
    }
    return true;
}

/* Up to 9 digits as a number: enough for a day in milliseconds, and no overflow to check. */
static bool small_number(const char *text, size_t len, long *out)
{
    if(!all_digits(text, len) || len > 9)
        return false;
    long value = 0;
    for(size_t i = 0; i < len; i++)
        value = value * 10 + (text[i] - '0');
    *out = value;
    return true;
}

static bool unit_in_ms(const char *unit, long *out)
{
    static const struct {
        const char *name;
        long ms;
    } units[] = {
        {"", 1000}, /* a bare number is seconds, like curl's --retry-delay */
        {"ms", 1},  {"s", 1000}, {"m", 60000}, {"h", 3600000},
    };
    for(size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if(!strcmp(unit, units[i].name)) {
            *out = units[i].ms;
            return true;
        }
    }
    return false;
}

enum duration_result duration_parse_ms(const char *text, long *out_ms)
{
    size_t whole_len = strspn(text, "0123456789");
    const char *fraction = text + whole_len;
    size_t fraction_len = 0;
    if(*fraction == '.') {
        fraction++;
        fraction_len = strspn(fraction, "0123456789");
        if(!fraction_len)
            return DURATION_MALFORMED;
    }
    const char *unit = fraction_len ? fraction + fraction_len : text + whole_len;
    long whole, fraction_value = 0, unit_ms;
    if(whole_len > 9 && unit_in_ms(unit, &unit_ms))
        return DURATION_TOO_LONG; /* digits enough for a day in ms, and more */
    if(!small_number(text, whole_len, &whole) || !unit_in_ms(unit, &unit_ms))
        return DURATION_MALFORMED;
    if(fraction_len && (fraction_len > 6 || !small_number(fraction, fraction_len, &fraction_value)))
        return DURATION_MALFORMED;
    long long scale = 1;
    for(size_t i = 0; i < fraction_len; i++)
        scale *= 10;
    long long fraction_ms_scaled = (long long)fraction_value * unit_ms;
    if(fraction_ms_scaled % scale)
        return DURATION_MALFORMED; /* "1.0005s": the library counts whole milliseconds */
    long long total = (long long)whole * unit_ms + fraction_ms_scaled / scale;
    if(total > DAY_MS)
        return DURATION_TOO_LONG;
    *out_ms = (long)total;
    return DURATION_OK;
}

/* The library's warning callback: for a lone text variable, its only possible warning is the
   rejection of that variable's value. */
static void note_rejection(const char *line, void *ctx)
{
    (void)line;
    *(bool *)ctx = true;
}

struct lone_variable {
    const char *name;
    const char *value;
};

static const char *lookup_lone_variable(const char *name, void *ctx)
{
    const struct lone_variable *variable = ctx;
    return strcmp(name, variable->name) ? NULL : variable->value;
}

/* Asks config.c itself, so the launcher accepts exactly what the library will. */
static bool library_accepts(const char *name, const char *value)
{
    struct lone_variable variable = {name, value};
    struct tryagain_config parsed;
    bool rejected = false;
    config_parse(&parsed, lookup_lone_variable, &variable, note_rejection, &rejected);
    return !rejected;
}

static struct env_setting *setting_slot(struct launch_plan *plan, const char *name)
{
    for(int i = 0; i < plan->setting_count; i++) {
        if(!strcmp(plan->setting[i].name, name))
            return &plan->setting[i];
    }
    /* A slot for each variable, so a new one always fits. */
    struct env_setting *slot = &plan->setting[plan->setting_count++];
    memset(slot, 0, sizeof(*slot));
    slot->name = name;
    return slot;
}

static void set_text(struct launch_plan *plan, const char *name, const char *value)
{
    struct env_setting *slot = setting_slot(plan, name);
    slot->value = value;
}

static void set_number(struct launch_plan *plan, const char *name, long number)
{
    struct env_setting *slot = setting_slot(plan, name);
    slot->value = NULL;
    snprintf(slot->number_text, sizeof(slot->number_text), "%ld", number);
}

const char *env_setting_value(const struct env_setting *setting)
{
    return setting->value ? setting->value : setting->number_text;
}

const struct env_setting *launch_plan_find(const struct launch_plan *plan, const char *name)
{
    for(int i = 0; i < plan->setting_count; i++) {
        if(!strcmp(plan->setting[i].name, name))
            return &plan->setting[i];
    }
    return NULL;
}

static void fail(struct launch_plan *plan, bool show_usage, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct launch_plan *plan, bool show_usage, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(plan->error, sizeof(plan->error), format, args);
    va_end(args);
    plan->mode = MODE_ERROR;
    plan->show_usage = show_usage;
}

static void reject_value(struct launch_plan *plan, const struct flag_ref *ref, const char *value)
{
    if(!*value)
        fail(plan, false, "tryagain: --%s: the value is empty (expected %s)", ref->flag->long_name,
             flag_accepts(ref));
    else
        fail(plan, false, "tryagain: --%s: \"%.200s\" is not %s", ref->flag->long_name, value,
             flag_accepts(ref));
}

/* The variable's own range, so the flag accepts exactly what the library does. */
static bool parse_count(const char *value, const struct tryagain_option *option, long *out)
{
    long count;
    if(!small_number(value, strlen(value), &count) || count < option->min || count > option->max)
        return false;
    *out = count;
    return true;
}

/* Applies one flag that takes a value; false (with the plan in MODE_ERROR) on a bad value. */
static bool apply_value(struct launch_plan *plan, const struct flag_ref *ref, const char *value)
{
    const char *name = ref->option->name;
    long number;
    switch(ref->flag->kind) {
    case FLAG_COUNT:
        if(!parse_count(value, ref->option, &number))
            break;
        set_number(plan, name, number);
        return true;
    case FLAG_DURATION:
        switch(duration_parse_ms(value, &number)) {
        case DURATION_OK:
            set_number(plan, name, number);
            return true;
        case DURATION_TOO_LONG:
            fail(plan, false,
                 "tryagain: --%s: \"%.200s\" is longer than the 24h the library "
                 "accepts",
                 ref->flag->long_name, value);
            return false;
        case DURATION_MALFORMED:
            break;
        }
        break;
    case FLAG_WORD:
    case FLAG_LIST:
    case FLAG_NAME:
    case FLAG_PATH:
        /* Empty would mean "unset" to the library: never what someone typing a flag meant. */
        if(!*value || !library_accepts(name, value))
            break;
        set_text(plan, name, value);
        return true;
    default:
        return true;
    }
    reject_value(plan, ref, value);
    return false;
}

static bool takes_value(const struct option_flag *flag)
{
    return flag_value_name(flag->kind) != NULL;
}

static void raise_verbosity(struct launch_plan *plan, const struct tryagain_option *option,
                            int *verbosity)
{
    if(*verbosity < 2)
        (*verbosity)++; /* 2 is the library's most detailed level; -vvv means the same */
    set_number(plan, option->name, *verbosity);
}

/* "-v", "-vv", "-h". False (with the plan in MODE_ERROR) on any other letter. */
static bool parse_short_flags(struct launch_plan *plan, const char *arg, int *verbosity)
{
    for(const char *p = arg + 1; *p; p++) {
        struct flag_ref ref;
        bool known = find_short_flag(*p, &ref);
        if(known && ref.flag->kind == FLAG_VERBOSE) {
            raise_verbosity(plan, ref.option, verbosity);
        }
        else if(known && ref.flag->kind == FLAG_HELP && p == arg + 1 && !p[1]) {
            plan->mode = MODE_HELP;
        }
        else {
            fail(plan, false, "tryagain: unknown option \"%.100s\" (see tryagain --help)", arg);
            return false;
        }
    }
    return true;
}

/* Handles a switch or a help/version flag given without a value. */
static void apply_switch(struct launch_plan *plan, const struct flag_ref *ref, int *verbosity)
{
    switch(ref->flag->kind) {
    case FLAG_SWITCH:
        set_text(plan, ref->option->name, ref->flag->switch_value);
        break;
    case FLAG_VERBOSE:
        raise_verbosity(plan, ref->option, verbosity);
        break;
    case FLAG_HELP:
        plan->mode = MODE_HELP;
        break;
    case FLAG_VERSION:
        plan->mode = MODE_VERSION;
        break;
    default:
        break;
    }
}

/* "--name", "--name=value" or "--name value"; *index moves past what was used. */
static bool parse_long_flag(struct launch_plan *plan, int argc, char *const argv[], int *index,
                            int *verbosity)
{
    const char *arg = argv[*index] + 2;
    const char *equals = strchr(arg, '=');
    size_t name_len = equals ? (size_t)(equals - arg) : strlen(arg);
    struct flag_ref ref;
    if(!find_flag(arg, name_len, &ref)) {
        int shown = name_len > 100 ? 100 : (int)name_len;
        fail(plan, false, "tryagain: unknown option \"--%.*s\" (see tryagain --help)", shown, arg);
        return false;
    }
    if(!takes_value(ref.flag)) {
        if(equals) {
            fail(plan, false, "tryagain: --%s takes no value", ref.flag->long_name);
            return false;
        }
        apply_switch(plan, &ref, verbosity);
        return true;
    }
    if(equals)
        return apply_value(plan, &ref, equals + 1);
    if(*index + 1 >= argc) {
        fail(plan, false, "tryagain: --%s needs a value (%s)", ref.flag->long_name,
             flag_accepts(&ref));
        return false;
    }
    (*index)++;
    return apply_value(plan, &ref, argv[*index]);
}

static void parse_doctor(int argc, struct launch_plan *plan)
{
    if(argc != 3) {
        fail(plan, false, "tryagain: usage: tryagain doctor PROGRAM");
        return;
    }
    plan->mode = MODE_DOCTOR;
    plan->command_index = 2;
}

void flags_parse(int argc, char *const argv[], struct launch_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->mode = MODE_RUN;
    if(argc > 1 && !strcmp(argv[1], "doctor")) {
        parse_doctor(argc, plan);
        return;
    }
    if(argc > 1 && !strcmp(argv[1], "status")) {
        if(argc != 2)
            fail(plan, false, "tryagain: usage: tryagain status");
        else
            plan->mode = MODE_STATUS;
        return;
    }
    int verbosity = 0;
    int index = 1;
    for(; index < argc; index++) {
        const char *arg = argv[index];
        if(!strcmp(arg, "--")) {
            index++;
            break;
        }
        if(arg[0] != '-' || !arg[1])
            break; /* the command: everything from here on is its own */
        bool ok = arg[1] == '-' ? parse_long_flag(plan, argc, argv, &index, &verbosity)
                                : parse_short_flags(plan, arg, &verbosity);
        if(!ok)
            return;
    }
    if(plan->mode != MODE_RUN)
        return; /* --help and --version need no command */
    if(index >= argc) {
        fail(plan, true, "tryagain: no command to run");
        return;
    }
    plan->command_index = index;
}
