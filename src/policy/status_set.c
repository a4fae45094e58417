/* A set of HTTP statuses from a comma list of codes and classes. */
#include "policy/status_set.h"

#include <ctype.h>
#include <string.h>

#include "policy/list.h"

static void status_set_add(struct status_set *set, long status)
{
    long bit = status - STATUS_SET_FIRST;
    set->bits[bit / 64] |= (uint64_t)1 << (bit % 64);
}

bool status_set_contains(const struct status_set *set, long status)
{
    if(status < STATUS_SET_FIRST || status > STATUS_SET_LAST)
        return false;
    long bit = status - STATUS_SET_FIRST;
    return (set->bits[bit / 64] >> (bit % 64)) & 1;
}

static bool add_status_item(const char *item, size_t len, void *ctx)
{
    struct status_set *set = ctx;
    if(len != 3 || (item[0] != '4' && item[0] != '5'))
        return false;
    bool is_class = (item[1] == 'x' || item[1] == 'X') && (item[2] == 'x' || item[2] == 'X');
    if(is_class) {
        long first = (item[0] - '0') * 100L;
        for(long status = first; status < first + 100; status++)
            status_set_add(set, status);
        return true;
    }
    if(!isdigit((unsigned char)item[1]) || !isdigit((unsigned char)item[2]))
        return false;
    status_set_add(set, (item[0] - '0') * 100L + (item[1] - '0') * 10L + (item[2] - '0'));
    return true;
}

bool status_set_parse(const char *text, struct status_set *out)
{
    struct status_set parsed;
    memset(&parsed, 0, sizeof(parsed));
    if(!*text)
        return false; /* retrying no status at all is TRYAGAIN_MAX_ATTEMPTS=1's job */
    if(!list_for_each_item(text, add_status_item, &parsed))
        return false;
    *out = parsed;
    return true;
}
