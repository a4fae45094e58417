/* The documentation agrees with policy/options.c, the one table of TRYAGAIN_* variables and their
   flags. README.md's two tables are generated from it, row for row; tryagain(1) is prose, so its
   entries are checked for the facts: every flag with its value and the variable it sets, in the
   order and section of --help, and every variable with its default and what it accepts.
   A difference is shown diff-style, one line per entry, named.

   build/tests/unit/test_launcher_docs --print   prints README.md's two tables as they should be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flags.h"
#include "policy/options.h"
#include "usage.h"

#define MAX_LINES 64
#define LINE_MAX_LEN 1024

struct lines {
    char text[MAX_LINES][LINE_MAX_LEN];
    int count;
};

static void add_line(struct lines *lines, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void add_line(struct lines *lines, const char *format, ...)
{
    assert_true(lines->count < MAX_LINES);
    va_list args;
    va_start(args, format);
    vsnprintf(lines->text[lines->count++], LINE_MAX_LEN, format, args);
    va_end(args);
}

/* snprintf for text that may be cut short on purpose: a line longer than a buffer is cut. */
static void format_into(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void format_into(char *out, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(out, size, format, args);
    va_end(args);
}

/* ---- reading the documents ---- */

/* The sources sit one level above the build folder, whose tests/unit/ holds this program. */
static const char *source_path(const char *relative)
{
    static char path[4096];
    const char *dir = getenv("TRYAGAIN_SOURCE_DIR");
    char exe[4096];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if(!dir && length > 0) {
        exe[length] = '\0';
        for(int i = 0; i < 3; i++) {
            char *slash = strrchr(exe, '/');
            if(slash)
                *slash = '\0';
        }
        format_into(path, sizeof(path), "%s/../%s", exe, relative);
        if(access(path, R_OK) == 0)
            return path;
    }
    format_into(path, sizeof(path), "%s/%s", dir ? dir : ".", relative);
    return path;
}

static char *read_document(const char *relative)
{
    const char *path = source_path(relative);
    FILE *file = fopen(path, "rb");
    if(!file)
        fail_msg("cannot read %s (set TRYAGAIN_SOURCE_DIR to the source tree)", path);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    text[size] = '\0';
    fclose(file);
    return text;
}

/* The next line of *cursor into line (no newline); false at the end of the text. */
static bool next_line(const char **cursor, char *line, size_t size)
{
    if(!**cursor)
        return false;
    size_t length = strcspn(*cursor, "\n");
    snprintf(line, size, "%.*s", (int)length, *cursor);
    *cursor += length + ((*cursor)[length] == '\n');
    return true;
}

/* ---- the facts, as the table gives them ---- */

static bool is_number(const char *text)
{
    return *text && strspn(text, "0123456789") == strlen(text);
}

static bool zero_means_something(const struct tryagain_option *option)
{
    return option->default_note && !strcmp(option->default_text, "0");
}

/* "full, equal, decorrelated or none" into its words. */
static int accepted_words(const char *accepts, char words[][64], int max)
{
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", accepts);
    char * or = strstr(copy, " or ");
    if(or) {
        memcpy(or, ", ", 2);
        memmove(or +2, or +4, strlen(or +4) + 1);
    }
    int count = 0;
    for(char *word = copy; word && count < max;) {
        char *comma = strstr(word, ", ");
        if(comma)
            *comma = '\0';
        format_into(words[count++], 64, "%s", word);
        word = comma ? comma + 2 : NULL;
    }
    return count;
}

/* The variables whose accepts string lists every word they take. */
static bool accepts_words(const struct tryagain_option *option)
{
    switch(option->value) {
    case VALUE_BOOL:
    case VALUE_JITTER:
    case VALUE_LOG_LEVEL:
    case VALUE_LOG_FORMAT:
    case VALUE_CONNECT_KINDS:
        return true;
    default:
        return false;
    }
}

/* ---- README.md: generated rows ---- */

/* "| a | b |", an empty cell as "| |". */
static void add_row(struct lines *rows, const char *const cells[], int count)
{
    char row[LINE_MAX_LEN] = "|";
    for(int i = 0; i < count; i++) {
        size_t used = strlen(row);
        format_into(row + used, sizeof(row) - used, " %s%s|", cells[i], *cells[i] ? " " : "");
    }
    add_line(rows, "%s", row);
}

static void readme_variable_rows(struct lines *rows)
{
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++) {
        const struct tryagain_option *option = &tryagain_options[i];
        char name[128], default_cell[256];
        snprintf(name, sizeof(name), "`%s`", option->name);
        /* "5", "`full`", "0 (none)", "(every host)" or nothing */
        char value[128] = "", note[128] = "";
        if(*option->default_text)
            snprintf(value, sizeof(value), is_number(option->default_text) ? "%s" : "`%s`",
                     option->default_text);
        if(option->default_note)
            snprintf(note, sizeof(note), "(%s)", option->default_note);
        snprintf(default_cell, sizeof(default_cell), "%s%s%s", value, *value && *note ? " " : "",
                 note);
        const char *cells[] = {name, default_cell, option->meaning};
        add_row(rows, cells, 3);
    }
}

/* What a flag takes, in the README's words. */
static void readme_accepts_cell(const struct option_flag *flag,
                                const struct tryagain_option *option, char *out, size_t size)
{
    char words[16][64];
    int count;
    out[0] = '\0';
    switch(flag->kind) {
    case FLAG_COUNT:
        snprintf(out, size, "%ld..%ld", option->min, option->max);
        break;
    case FLAG_DURATION:
        if(zero_means_something(option))
            snprintf(out, size, "duration, `0` for %s", option->default_note);
        else
            snprintf(out, size, "duration");
        break;
    case FLAG_WORD:
        count = accepted_words(option->accepts, words, 16);
        for(int i = 0; i < count; i++) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, "%s`%s`", i ? ", " : "", words[i]);
        }
        break;
    case FLAG_LIST:
        snprintf(out, size, "`%s`...", flag->example);
        break;
    case FLAG_NAME:
        snprintf(out, size, "a header name: `%s`", flag->example);
        break;
    case FLAG_PATH:
        /* launch.c makes the log file's path absolute before it sets the variable. */
        snprintf(out, size, "a path; a relative one is made absolute");
        break;
    default:
        break;
    }
}

/* The rows of the README's option table, in --help's order: section by section. */
static void readme_option_rows(struct lines *rows)
{
    for(int section = 0; section < SECTION_COUNT; section++) {
        const struct tryagain_option *option;
        const struct option_flag *flag;
        for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
            if(!option || flag->section != (enum flag_section)section)
                continue; /* --help and --version set no variable */
            char name[128], sets[256], accepts[512];
            const char *value = flag_value_name(flag->kind);
            if(flag->short_name)
                snprintf(name, sizeof(name), "`-%c`, `--%s`", flag->short_name, flag->long_name);
            else
                snprintf(name, sizeof(name), "`--%s%s%s`", flag->long_name, value ? " " : "",
                         value ? value : "");
            if(flag->kind == FLAG_SWITCH)
                snprintf(sets, sizeof(sets), "`%s=%s`", option->name, flag->switch_value);
            else if(flag->kind == FLAG_VERBOSE)
                snprintf(sets, sizeof(sets), "`%s=1` (`-vv`: 2)", option->name);
            else
                snprintf(sets, sizeof(sets), "`%s`", option->name);
            readme_accepts_cell(flag, option, accepts, sizeof(accepts));
            const char *cells[] = {name, sets, accepts};
            add_row(rows, cells, 3);
        }
    }
}

#define VARIABLE_HEADER "| variable | default | meaning |"
#define OPTION_HEADER "| option | sets | accepts |"

/* The rows of the table under header; false when the header is not there. */
static bool readme_table(const char *readme, const char *header, struct lines *rows)
{
    const char *cursor = readme;
    char line[LINE_MAX_LEN];
    rows->count = 0;
    while(next_line(&cursor, line, sizeof(line))) {
        if(strcmp(line, header))
            continue;
        next_line(&cursor, line, sizeof(line)); /* |---|---|---| */
        while(next_line(&cursor, line, sizeof(line)) && line[0] == '|')
            add_line(rows, "%s", line);
        return true;
    }
    return false;
}

/* ---- tryagain(1): extracted entries ---- */

/* A request line's text as the reader sees it: ".BI \-\-attempts " n"" is "--attempts n". */
static void render_roff(const char *line, char *out, size_t size)
{
    char text[LINE_MAX_LEN] = "";
    if(line[0] == '.') {
        size_t macro_len = strcspn(line, " ");
        bool alternating = macro_len == 3; /* .BR, .BI, .IR, .RB...: no space between words */
        const char *p = line + macro_len;
        bool first = true;
        while(*p) {
            while(*p == ' ')
                p++;
            if(!*p)
                break;
            char argument[LINE_MAX_LEN];
            size_t length;
            if(*p == '"') {
                length = strcspn(p + 1, "\"");
                snprintf(argument, sizeof(argument), "%.*s", (int)length, p + 1);
                p += length + 1 + (p[length + 1] == '"');
            }
            else {
                length = strcspn(p, " ");
                snprintf(argument, sizeof(argument), "%.*s", (int)length, p);
                p += length;
            }
            size_t used = strlen(text);
            format_into(text + used, sizeof(text) - used, "%s%s", !first && !alternating ? " " : "",
                        argument);
            first = false;
        }
    }
    else {
        snprintf(text, sizeof(text), "%s", line);
    }
    size_t used = 0;
    for(const char *p = text; *p && used + 1 < size; p++) {
        if(p[0] == '\\' && p[1] == '-')
            p++;
        out[used++] = *p;
    }
    out[used] = '\0';
}

struct man_entry {
    char section[64];
    char tag[256];
    char body[2048]; /* the text, one space between lines */
};

struct man_entries {
    struct man_entry entry[MAX_LINES];
    int count;
};

static bool is_structure(const char *line)
{
    static const char *const requests[] = {".TP", ".PP", ".SS ", ".SH ", ".RS", ".RE"};
    for(size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        if(!strncmp(line, requests[i], strlen(requests[i])))
            return true;
    }
    return false;
}

/* The .TP entries of one .SH section: tag and body, and the .SS they are under. */
static void man_section(const char *man, const char *title, struct man_entries *entries)
{
    const char *cursor = man;
    char line[LINE_MAX_LEN], heading[128];
    snprintf(heading, sizeof(heading), ".SH %s", title);
    entries->count = 0;
    bool inside = false, in_entry = false;
    char section[64] = "";
    while(next_line(&cursor, line, sizeof(line))) {
        if(!strncmp(line, ".SH ", 4)) {
            if(inside)
                break;
            inside = !strcmp(line, heading);
            continue;
        }
        if(!inside)
            continue;
        if(!strncmp(line, ".SS ", 4))
            format_into(section, sizeof(section), "%s", line + 4);
        if(!strcmp(line, ".TP") && next_line(&cursor, line, sizeof(line))) {
            assert_true(entries->count < MAX_LINES);
            struct man_entry *entry = &entries->entry[entries->count++];
            snprintf(entry->section, sizeof(entry->section), "%s", section);
            render_roff(line, entry->tag, sizeof(entry->tag));
            entry->body[0] = '\0';
            in_entry = true;
            continue;
        }
        if(is_structure(line)) {
            in_entry = false;
            continue;
        }
        if(in_entry && entries->count) {
            struct man_entry *entry = &entries->entry[entries->count - 1];
            char text[LINE_MAX_LEN];
            render_roff(line, text, sizeof(text));
            size_t used = strlen(entry->body);
            snprintf(entry->body + used, sizeof(entry->body) - used, "%s%s", used ? " " : "", text);
        }
    }
}

/* The body's words, punctuation around them dropped: "(retries)," is "retries". */
static bool mentions_word(const char *body, const char *word)
{
    char copy[2048];
    snprintf(copy, sizeof(copy), "%s", body);
    for(char *token = strtok(copy, " "); token; token = strtok(NULL, " ")) {
        while(*token == '(')
            token++;
        size_t length = strlen(token);
        while(length && strchr(".,;:)", token[length - 1]))
            token[--length] = '\0';
        if(!strcmp(token, word))
            return true;
    }
    return false;
}

/* The word after the last "word" in the body, trailing full stop dropped. */
static bool word_after(const char *body, const char *word, char *out, size_t size)
{
    char copy[2048];
    snprintf(copy, sizeof(copy), "%s", body);
    bool found = false, take = false;
    for(char *token = strtok(copy, " "); token; token = strtok(NULL, " ")) {
        if(take) {
            size_t length = strlen(token);
            if(length && token[length - 1] == '.')
                length--;
            snprintf(out, size, "%.*s", (int)length, token);
            found = true;
        }
        take = !strcmp(token, word);
    }
    return found;
}

/* The man page spells D out: "--base-delay duration". */
static void man_value_name(enum flag_kind kind, char *out, size_t size)
{
    const char *name = flag_value_name(kind);
    if(kind == FLAG_DURATION)
        name = "duration";
    size_t i = 0;
    for(; name && name[i] && i + 1 < size; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    out[i] = '\0';
}

/* "Retry policy: --attempts n, sets TRYAGAIN_MAX_ATTEMPTS", for each flag in --help's order. */
static void expected_man_options(struct lines *out)
{
    for(int section = 0; section < SECTION_COUNT; section++) {
        const struct tryagain_option *option;
        const struct option_flag *flag;
        for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
            if(flag->section != (enum flag_section)section)
                continue;
            char tag[256], value[32], sets[256] = "";
            man_value_name(flag->kind, value, sizeof(value));
            if(flag->short_name)
                snprintf(tag, sizeof(tag), "-%c, --%s", flag->short_name, flag->long_name);
            else
                snprintf(tag, sizeof(tag), "--%s%s%s", flag->long_name, *value ? " " : "", value);
            if(option && flag->kind == FLAG_SWITCH)
                snprintf(sets, sizeof(sets), ", sets %s=%s", option->name, flag->switch_value);
            else if(option)
                snprintf(sets, sizeof(sets), ", sets %s", option->name);
            add_line(out, "%s: %s%s", flag_section_title[section], tag, sets);
        }
    }
}

static void found_man_options(const struct man_entries *entries, struct lines *out)
{
    for(int i = 0; i < entries->count; i++) {
        const struct man_entry *entry = &entries->entry[i];
        char sets[256] = "", target[200];
        if(word_after(entry->body, "Sets", target, sizeof(target)))
            snprintf(sets, sizeof(sets), ", sets %s", target);
        add_line(out, "%s: %s%s", entry->section, entry->tag, sets);
    }
}

/* "TRYAGAIN_JITTER, default "full"". "Default: every host." is the empty default, in words. */
static void expected_man_variables(struct lines *out)
{
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++)
        add_line(out, "%s, default \"%s\"", tryagain_options[i].name,
                 tryagain_options[i].default_text);
}

static void found_man_variables(const struct man_entries *entries, struct lines *out)
{
    for(int i = 0; i < entries->count; i++) {
        const struct man_entry *entry = &entries->entry[i];
        if(strncmp(entry->tag, "TRYAGAIN_", 9))
            continue; /* LD_PRELOAD */
        char value[256];
        if(strstr(entry->body, "Default: "))
            add_line(out, "%s, default \"\"", entry->tag);
        else if(word_after(entry->body, "Default", value, sizeof(value)))
            add_line(out, "%s, default \"%s\"", entry->tag, value);
        else
            add_line(out, "%s, no \"Default ...\" sentence", entry->tag);
    }
}

static const struct man_entry *man_entry_for(const struct man_entries *entries, const char *tag)
{
    for(int i = 0; i < entries->count; i++) {
        if(!strcmp(entries->entry[i].tag, tag))
            return &entries->entry[i];
    }
    return NULL;
}

/* ---- comparing ---- */

/* Prints what differs between the table's lines and the document's, diff-style ("-" only in
   the table, "+" only in the document); the number of lines that differ. */
static int report_differences(FILE *out, const char *what, const struct lines *expected,
                              const struct lines *found)
{
    int n = expected->count, m = found->count;
    static int common[MAX_LINES + 1][MAX_LINES + 1];
    for(int i = n; i >= 0; i--) {
        for(int j = m; j >= 0; j--) {
            if(i == n || j == m)
                common[i][j] = 0;
            else if(!strcmp(expected->text[i], found->text[j]))
                common[i][j] = common[i + 1][j + 1] + 1;
            else
                common[i][j] =
                    common[i + 1][j] > common[i][j + 1] ? common[i + 1][j] : common[i][j + 1];
        }
    }
    int differences = 0;
    int i = 0, j = 0;
    while(i < n || j < m) {
        if(i < n && j < m && !strcmp(expected->text[i], found->text[j])) {
            i++, j++;
            continue;
        }
        if(!differences++)
            fprintf(out, "%s disagrees with src/policy/options.c (- the table, + the document):\n",
                    what);
        if(i < n && (j == m || common[i + 1][j] >= common[i][j + 1]))
            fprintf(out, "  - %s\n", expected->text[i++]);
        else
            fprintf(out, "  + %s\n", found->text[j++]);
    }
    return differences;
}

static int check_readme(FILE *out, const char *readme)
{
    struct lines expected = {.count = 0}, found = {.count = 0};
    int problems = 0;
    readme_variable_rows(&expected);
    if(!readme_table(readme, VARIABLE_HEADER, &found)) {
        fprintf(out, "README.md: no table headed \"%s\"\n", VARIABLE_HEADER);
        problems++;
    }
    problems += report_differences(out, "README.md, the variable table", &expected, &found);
    expected.count = 0;
    readme_option_rows(&expected);
    if(!readme_table(readme, OPTION_HEADER, &found)) {
        fprintf(out, "README.md: no table headed \"%s\"\n", OPTION_HEADER);
        problems++;
    }
    problems += report_differences(out, "README.md, the option table", &expected, &found);
    if(problems)
        fprintf(out, "(build/tests/unit/test_launcher_docs --print prints both tables)\n");
    return problems;
}

static int check_man_options(FILE *out, const char *man)
{
    static struct man_entries entries;
    struct lines expected = {.count = 0}, found = {.count = 0};
    man_section(man, "OPTIONS", &entries);
    expected_man_options(&expected);
    found_man_options(&entries, &found);
    int problems = report_differences(out, "docs/tryagain.1, OPTIONS", &expected, &found);
    /* What each flag's value may be. */
    const struct tryagain_option *option;
    const struct option_flag *flag;
    for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
        if(flag->kind != FLAG_COUNT && flag->kind != FLAG_WORD)
            continue;
        char tag[256], value[32], range[64], words[16][64];
        man_value_name(flag->kind, value, sizeof(value));
        snprintf(tag, sizeof(tag), "--%s %s", flag->long_name, value);
        const struct man_entry *entry = man_entry_for(&entries, tag);
        if(!entry)
            continue; /* reported above */
        if(flag->kind == FLAG_COUNT) {
            snprintf(range, sizeof(range), "%ld to %ld", option->min, option->max);
            if(!strstr(entry->body, range)) {
                fprintf(out, "docs/tryagain.1, OPTIONS: %s does not say \"%s\" (%s)\n", tag, range,
                        option->name);
                problems++;
            }
        }
        int count = flag->kind == FLAG_WORD ? accepted_words(option->accepts, words, 16) : 0;
        for(int w = 0; w < count; w++) {
            if(!mentions_word(entry->body, words[w])) {
                fprintf(out,
                        "docs/tryagain.1, OPTIONS: %s does not name \"%s\", which %s accepts\n",
                        tag, words[w], option->name);
                problems++;
            }
        }
    }
    return problems;
}

static int check_man_variables(FILE *out, const char *man)
{
    static struct man_entries entries;
    struct lines expected = {.count = 0}, found = {.count = 0};
    man_section(man, "ENVIRONMENT", &entries);
    expected_man_variables(&expected);
    found_man_variables(&entries, &found);
    int problems = report_differences(out, "docs/tryagain.1, ENVIRONMENT", &expected, &found);
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++) {
        const struct tryagain_option *option = &tryagain_options[i];
        const struct man_entry *entry = man_entry_for(&entries, option->name);
        if(!entry)
            continue; /* reported above */
        char range[64], words[16][64];
        if(option->value == VALUE_NUMBER) {
            snprintf(range, sizeof(range), "%ld to %ld", option->min, option->max);
            if(!strstr(entry->body, range)) {
                fprintf(out, "docs/tryagain.1, ENVIRONMENT: %s does not say \"%s\"\n", option->name,
                        range);
                problems++;
            }
        }
        int count = accepts_words(option) ? accepted_words(option->accepts, words, 16) : 0;
        for(int w = 0; w < count; w++) {
            if(!mentions_word(entry->body, words[w])) {
                fprintf(out,
                        "docs/tryagain.1, ENVIRONMENT: %s does not name \"%s\", which it "
                        "accepts\n",
                        option->name, words[w]);
                problems++;
            }
        }
    }
    return problems;
}

/* ---- the tests ---- */

static void readme_tables_are_the_options_table(void **state)
{
    (void)state;
    fflush(stdout); /* cmocka's lines first, then the report */
    char *readme = read_document("README.md");
    int problems = check_readme(stderr, readme);
    free(readme);
    assert_int_equal(problems, 0);
}

static void man_page_options_are_the_flags(void **state)
{
    (void)state;
    fflush(stdout); /* cmocka's lines first, then the report */
    char *man = read_document("docs/tryagain.1");
    int problems = check_man_options(stderr, man);
    free(man);
    assert_int_equal(problems, 0);
}

static void man_page_environment_is_the_options_table(void **state)
{
    (void)state;
    fflush(stdout); /* cmocka's lines first, then the report */
    char *man = read_document("docs/tryagain.1");
    int problems = check_man_variables(stderr, man);
    free(man);
    assert_int_equal(problems, 0);
}

/* Replaces the first occurrence of from in text (a copy, freed by the caller). */
static char *altered(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t size = strlen(text) - strlen(from) + strlen(to) + 1;
    char *copy = malloc(size);
    assert_non_null(copy);
    snprintf(copy, size, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return copy;
}

/* The checks' own test: a document with one entry wrong fails, and the report names it. */
static int problems_in(int (*check)(FILE *, const char *), const char *text, char **report)
{
    size_t size;
    FILE *out = open_memstream(report, &size);
    assert_non_null(out);
    int problems = check(out, text);
    fclose(out);
    return problems;
}

static void expect_caught(int (*check)(FILE *, const char *), const char *document,
                          const char *from, const char *to, const char *named)
{
    char *text = read_document(document);
    char *report = NULL;
    assert_int_equal(problems_in(check, text, &report), 0);
    free(report);
    char *wrong = altered(text, from, to);
    int problems = problems_in(check, wrong, &report);
    if(problems == 0 || !strstr(report, named)) {
        fprintf(stderr, "%s with \"%s\" for \"%s\": %d problems\n%s", document, to, from, problems,
                report);
        fail();
    }
    free(report);
    free(wrong);
    free(text);
}

static void a_document_that_disagrees_fails(void **state)
{
    (void)state;
    expect_caught(check_readme, "README.md", "| `TRYAGAIN_MAX_DELAY_MS` | 30000 |",
                  "| `TRYAGAIN_MAX_DELAY_MS` | 20000 |", "TRYAGAIN_MAX_DELAY_MS");
    expect_caught(check_readme, "README.md", "`decorrelated`, `none` |", "`none` |", "--jitter");
    expect_caught(check_readme, "README.md", "| `--stats` | `TRYAGAIN_STATS=1` | |\n", "",
                  "--stats");
    expect_caught(check_man_options, "docs/tryagain.1", ".BI \\-\\-attempts \" n\"",
                  ".BI \\-\\-attempts \" count\"", "--attempts");
    expect_caught(check_man_options, "docs/tryagain.1", ".BR TRYAGAIN_HOSTS .",
                  ".BR TRYAGAIN_HOST .", "TRYAGAIN_HOST");
    expect_caught(check_man_options, "docs/tryagain.1", ".BR off .\nSets\n.BR TRYAGAIN_CONNECT .",
                  ".BR none .\nSets\n.BR TRYAGAIN_CONNECT .", "\"off\"");
    expect_caught(check_man_variables, "docs/tryagain.1", "Default 30000.", "Default 3000.",
                  "TRYAGAIN_MAX_DELAY_MS");
    expect_caught(check_man_variables, "docs/tryagain.1", ".B TRYAGAIN_STATS\n",
                  ".B TRYAGAIN_STAT\n", "TRYAGAIN_STATS");
    expect_caught(check_man_variables, "docs/tryagain.1", "Attempts in all, 1 to 100.",
                  "Attempts in all, 1 to 10.", "TRYAGAIN_MAX_ATTEMPTS");
}

/* The warning line states a number's range; the table's min and max are what is enforced. */
static void warning_words_state_the_range_of_a_number(void **state)
{
    (void)state;
    for(size_t i = 0; i < TRYAGAIN_OPTION_COUNT; i++) {
        const struct tryagain_option *option = &tryagain_options[i];
        if(option->value != VALUE_NUMBER)
            continue;
        char from[32], to[32];
        snprintf(from, sizeof(from), "from %ld", option->min);
        snprintf(to, sizeof(to), "to %ld", option->max);
        if(!strstr(option->accepts, from) || !strstr(option->accepts, to))
            fail_msg("%s accepts \"%s\", but its range is %ld to %ld", option->name,
                     option->accepts, option->min, option->max);
    }
}

static void help_lists_every_flag_and_variable(void **state)
{
    (void)state;
    char *help = NULL;
    size_t size;
    FILE *out = open_memstream(&help, &size);
    assert_non_null(out);
    usage_print(out);
    fclose(out);
    const struct tryagain_option *option;
    const struct option_flag *flag;
    for(size_t i = 0; (flag = flag_at(i, &option)); i++) {
        char long_form[64];
        snprintf(long_form, sizeof(long_form), "--%s", flag->long_name);
        assert_non_null(strstr(help, long_form));
        if(option)
            assert_non_null(strstr(help, option->name));
    }
    for(int section = 0; section < SECTION_COUNT; section++)
        assert_non_null(strstr(help, flag_section_title[section]));
    free(help);
}

static void print_readme_tables(void)
{
    struct lines rows = {.count = 0};
    readme_option_rows(&rows);
    printf("%s\n|---|---|---|\n", OPTION_HEADER);
    for(int i = 0; i < rows.count; i++)
        printf("%s\n", rows.text[i]);
    rows.count = 0;
    readme_variable_rows(&rows);
    printf("\n%s\n|---|---|---|\n", VARIABLE_HEADER);
    for(int i = 0; i < rows.count; i++)
        printf("%s\n", rows.text[i]);
}

int main(int argc, char **argv)
{
    if(argc == 2 && !strcmp(argv[1], "--print")) {
        print_readme_tables();
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readme_tables_are_the_options_table),
        cmocka_unit_test(man_page_options_are_the_flags),
        cmocka_unit_test(man_page_environment_is_the_options_table),
        cmocka_unit_test(a_document_that_disagrees_fails),
        cmocka_unit_test(warning_words_state_the_range_of_a_number),
        cmocka_unit_test(help_lists_every_flag_and_variable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
