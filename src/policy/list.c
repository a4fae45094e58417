#include "policy/list.h"

#include <ctype.h>
#include <string.h>

bool list_for_each_item(const char *text,
                        bool (*each_item)(const char *item, size_t length, void *ctx), void *ctx)
{
    if(!*text)
        return true;
    const char *p = text;
    for(;;) {
        const char *comma = strchr(p, ',');
        size_t length = comma ? (size_t)(comma - p) : strlen(p);
        while(length && isspace((unsigned char)*p)) {
            p++;
            length--;
        }
        while(length && isspace((unsigned char)p[length - 1]))
            length--;
        if(!length || !each_item(p, length, ctx))
            return false;
        if(!comma)
            return true;
        p = comma + 1;
    }
}
