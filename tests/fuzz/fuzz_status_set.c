/* status_set_parse against a reference written from the documentation alone: a comma list of
   items, each trimmed of spaces, each "4NN", "5NN", "4xx" or "5xx". The two must agree on
   every input, on what they accept and on the set they build. */
#include <ctype.h>
#include <string.h>

#include "policy/status_set.h"
#include "fuzz_input.h"

#define SENTINEL 0xA5A5A5A5A5A5A5A5ULL

static bool is_class_letter(char c)
{
    return c == 'x' || c == 'X';
}

/* Statuses named by one item, as a first..last range; false when the item is malformed. */
static bool reference_item(const char *item, size_t length, long *first, long *last)
{
    if(length != 3 || (item[0] != '4' && item[0] != '5'))
        return false;
    long hundreds = (item[0] - '0') * 100L;
    if(is_class_letter(item[1]) && is_class_letter(item[2])) {
        *first = hundreds;
        *last = hundreds + 99;
        return true;
    }
    if(!isdigit((unsigned char)item[1]) || !isdigit((unsigned char)item[2]))
        return false;
    *first = *last = hundreds + (item[1] - '0') * 10 + (item[2] - '0');
    return true;
}

static bool reference_parse(const char *text, bool member[1000])
{
    memset(member, 0, 1000 * sizeof(bool));
    const char *item = text;
    for(;;) {
        const char *end = item;
        while(*end && *end != ',')
            end++;
        const char *start = item;
        while(start < end && isspace((unsigned char)*start))
            start++;
        const char *stop = end;
        while(stop > start && isspace((unsigned char)stop[-1]))
            stop--;
        long first, last;
        if(!reference_item(start, (size_t)(stop - start), &first, &last))
            return false; /* includes the empty item of ",," or a trailing comma */
        for(long status = first; status <= last; status++)
            member[status] = true;
        if(!*end)
            return true;
        item = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    char *text = fuzz_rest_as_string(&in);

    struct status_set set;
    for(size_t i = 0; i < sizeof(set.bits) / sizeof(set.bits[0]); i++)
        set.bits[i] = SENTINEL;
    bool accepted = status_set_parse(text, &set);

    static bool member[1000];
    bool expected = reference_parse(text, member);
    FUZZ_CHECK(accepted == expected);
    if(!accepted) {
        /* A rejected list leaves the caller's set as it was (config keeps the default). */
        for(size_t i = 0; i < sizeof(set.bits) / sizeof(set.bits[0]); i++)
            FUZZ_CHECK(set.bits[i] == SENTINEL);
    }
    else {
        for(long status = -1; status < 1000; status++) {
            bool wanted = status >= 0 && member[status];
            FUZZ_CHECK(status_set_contains(&set, status) == wanted);
        }
        FUZZ_CHECK(!status_set_contains(&set, 100000));
        FUZZ_CHECK(!status_set_contains(&set, -400));
    }
    free(text);
    return 0;
}
