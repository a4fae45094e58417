/* config_parse with a fuzzed environment. The input is a list of records separated by '\n':
   "TRYAGAIN_NAME=value", or a first byte that picks a variable by number followed by its value
   (so the fuzzer reaches every name without having to spell it). Whatever the values, the
   configuration must come out within its documented bounds and every complaint must be one
   printable line. */
#include <ctype.h>
#include <string.h>

#include "policy/config.h"
#include "policy/host_patterns.h"
#include "policy/options.h"
#include "policy/status_set.h"
#include "fuzz_input.h"

/* Every variable the one table of options has (a new one is fuzzed without a change here). */
#define VARIABLE_COUNT TRYAGAIN_OPTION_COUNT
#define variable_name(i) (tryagain_options[i].name)

#define DAY_MS 86400000L

struct fuzz_environment {
    char *value[VARIABLE_COUNT]; /* NULL: unset; a later record for a name replaces earlier */
};

struct warning_log {
    int count;
    bool mentions[VARIABLE_COUNT];
};

static int variable_index(const char *name, size_t length)
{
    for(size_t i = 0; i < VARIABLE_COUNT; i++) {
        if(strlen(variable_name(i)) == length && !memcmp(variable_name(i), name, length))
            return (int)i;
    }
    return -1;
}

static void set_variable(struct fuzz_environment *env, int index, const char *value)
{
    free(env->value[index]);
    env->value[index] = strdup(value);
    if(!env->value[index])
        abort();
}

static void add_record(struct fuzz_environment *env, const char *record)
{
    const char *equals = strchr(record, '=');
    int index = equals ? variable_index(record, (size_t)(equals - record)) : -1;
    if(index >= 0) {
        set_variable(env, index, equals + 1);
        return;
    }
    if(!*record)
        return;
    set_variable(env, (unsigned char)record[0] % VARIABLE_COUNT, record + 1);
}

static const char *lookup(const char *name, void *ctx)
{
    const struct fuzz_environment *env = ctx;
    int index = variable_index(name, strlen(name));
    FUZZ_CHECK(index >= 0); /* config asks only for names it documents */
    return env->value[index];
}

static void check_warning(const char *line, void *ctx)
{
    struct warning_log *log = ctx;
    size_t length = strlen(line);
    static const char prefix[] = "tryagain: warning: ";
    FUZZ_CHECK(!strncmp(line, prefix, sizeof(prefix) - 1));
    FUZZ_CHECK(!fuzz_has_control_char(line, length)); /* one line, nothing a terminal obeys */
    FUZZ_CHECK(length < 600); /* runtime.c copies warnings into a 600-byte line */
    for(size_t i = 0; i < VARIABLE_COUNT; i++) {
        const char *at = strstr(line, variable_name(i));
        size_t name_length = strlen(variable_name(i));
        if(at == line + sizeof(prefix) - 1 && at[name_length] == '=')
            log->mentions[i] = true;
    }
    log->count++;
}

static bool terminated_within(const char *text, size_t size)
{
    return memchr(text, '\0', size) != NULL;
}

static void check_host_patterns(const struct host_patterns *hosts)
{
    FUZZ_CHECK(hosts->count >= 0 && hosts->count <= HOST_PATTERNS_MAX);
    for(int i = 0; i < hosts->count; i++) {
        const char *pattern = hosts->pattern[i];
        FUZZ_CHECK(terminated_within(pattern, HOST_PATTERN_LEN));
        FUZZ_CHECK(pattern[0] != '\0');
        for(const char *p = pattern; *p; p++)
            FUZZ_CHECK(!isupper((unsigned char)*p) && !isspace((unsigned char)*p) && *p != ',');
    }
}

static void check_status_set(const struct status_set *set)
{
    /* Bits past 599 would be statuses the set cannot name. */
    size_t used_bits = STATUS_SET_LAST - STATUS_SET_FIRST + 1;
    for(size_t bit = used_bits; bit < sizeof(set->bits) * 8; bit++)
        FUZZ_CHECK(!((set->bits[bit / 64] >> (bit % 64)) & 1));
    FUZZ_CHECK(!status_set_contains(set, STATUS_SET_FIRST - 1));
    FUZZ_CHECK(!status_set_contains(set, STATUS_SET_LAST + 1));
}

static void check_connect_filter(const struct connect_filter *filter)
{
    FUZZ_CHECK(filter->count >= 0 && filter->count <= CONNECT_FILTER_MAX);
    for(int i = 0; i < filter->count; i++) {
        const struct connect_rule *rule = &filter->rule[i];
        FUZZ_CHECK(rule->kind >= RULE_ANY_ADDRESS && rule->kind <= RULE_NAME);
        FUZZ_CHECK(terminated_within(rule->path, sizeof(rule->path)));
        if(rule->kind == RULE_UNIX_PATH)
            FUZZ_CHECK(rule->path[0] == '/');
    }
}

static void check_bounds(const struct tryagain_config *config)
{
    FUZZ_CHECK(config->max_attempts >= 1 && config->max_attempts <= 100);
    FUZZ_CHECK(config->base_delay_ms >= 0 && config->base_delay_ms <= DAY_MS);
    FUZZ_CHECK(config->max_delay_ms >= 0 && config->max_delay_ms <= DAY_MS);
    FUZZ_CHECK(config->max_retry_after_ms >= 0 && config->max_retry_after_ms <= DAY_MS);
    FUZZ_CHECK(config->deadline_ms >= 0 && config->deadline_ms <= DAY_MS);
    FUZZ_CHECK(config->jitter >= JITTER_FULL && config->jitter <= JITTER_NONE);
    FUZZ_CHECK(config->log_level >= 0 && config->log_level <= 2);
    FUZZ_CHECK(config->log_format == LOG_FORMAT_TEXT || config->log_format == LOG_FORMAT_JSON);
    FUZZ_CHECK((config->connect_kinds & ~(CONNECT_TCP | CONNECT_UNIX)) == 0);
    FUZZ_CHECK(terminated_within(config->log_file, sizeof(config->log_file)));
    check_status_set(&config->retry_status);
    check_host_patterns(&config->hosts);
    check_connect_filter(&config->connect_to);
}

/* A value that is set, not empty, and left its field at the default must have been warned
   about, or be a spelling of the default itself; the reverse must hold too: no warning for a
   variable that was never set. */
static void check_warnings_name_only_set_variables(const struct fuzz_environment *env,
                                                   const struct warning_log *log)
{
    for(size_t i = 0; i < VARIABLE_COUNT; i++) {
        bool set = env->value[i] && env->value[i][0];
        bool pair_warning = i == 2; /* MAX_DELAY below BASE_DELAY names both at once */
        if(log->mentions[i] && !pair_warning)
            FUZZ_CHECK(set);
    }
    FUZZ_CHECK(log->count <= (int)VARIABLE_COUNT + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    struct fuzz_environment env;
    memset(&env, 0, sizeof(env));
    while(!fuzz_empty(&in)) {
        char *record = fuzz_string_until(&in, '\n');
        add_record(&env, record);
        free(record);
    }

    static struct tryagain_config first, second; /* large: keep them off the stack */
    struct warning_log log;
    memset(&log, 0, sizeof(log));
    config_parse(&first, lookup, &env, check_warning, &log);
    check_bounds(&first);
    check_warnings_name_only_set_variables(&env, &log);

    /* Read once per process, but it must not matter when: the same environment gives the
       same policy, and no warning callback is needed for that. */
    config_parse(&second, lookup, &env, NULL, NULL);
    FUZZ_CHECK(!memcmp(&first, &second, sizeof(first)));

    for(size_t i = 0; i < VARIABLE_COUNT; i++)
        free(env.value[i]);
    return 0;
}
