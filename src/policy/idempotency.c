#include "policy/idempotency.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/retry_plan.h"

static bool token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool idempotency_name_parse(const char *text, char out[IDEMPOTENCY_NAME_MAX])
{
    out[0] = '\0';
    size_t length = strlen(text);
    if(length == 0 || length >= IDEMPOTENCY_NAME_MAX)
        return false;
    for(size_t i = 0; i < length; i++) {
        if(!token_char((unsigned char)text[i]))
            return false;
    }
    memcpy(out, text, length + 1);
    return true;
}

enum key_line idempotency_classify_line(const char *name, const char *line)
{
    size_t name_length = strlen(name);
    if(!name_length || strncasecmp(line, name, name_length))
        return KEY_LINE_OTHER;
    const char *rest = line + name_length;
    while(*rest == ' ' || *rest == '\t')
        rest++;
    if(*rest == ';')
        return KEY_LINE_REMOVED;
    if(*rest != ':')
        return KEY_LINE_OTHER; /* a longer name that starts the same */
    rest++;
    while(*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n')
        rest++;
    return *rest ? KEY_LINE_SET : KEY_LINE_REMOVED;
}

bool idempotency_wants_key(const char *method)
{
    return !policy_method_idempotent(method);
}

bool idempotency_header_line(const char *name, const char *key, char *out, size_t size)
{
    int written = snprintf(out, size, "%s: %s", name, key);
    return written > 0 && (size_t)written < size;
}
