#include "policy/dl_rules.h"

#include <dlfcn.h>
#include <string.h>

static const char *const hooked_names[HOOKED_COUNT] = {
    [HOOKED_EASY_SETOPT] = "curl_easy_setopt",       [HOOKED_EASY_PERFORM] = "curl_easy_perform",
    [HOOKED_EASY_DUPHANDLE] = "curl_easy_duphandle", [HOOKED_EASY_RESET] = "curl_easy_reset",
    [HOOKED_EASY_CLEANUP] = "curl_easy_cleanup",     [HOOKED_CONNECT] = "connect",
};

enum hooked_symbol dl_rules_hooked_symbol(const char *name)
{
    if(!name || name[0] != 'c')
        return HOOKED_NONE;
    if(!strcmp(name, "connect"))
        return HOOKED_CONNECT;
    if(strncmp(name, "curl_easy_", 10) != 0)
        return HOOKED_NONE;
    for(int i = HOOKED_EASY_SETOPT; i <= HOOKED_EASY_CLEANUP; i++) {
        if(!strcmp(name + 10, hooked_names[i] + 10))
            return (enum hooked_symbol)i;
    }
    return HOOKED_NONE;
}

const char *dl_rules_symbol_name(enum hooked_symbol symbol)
{
    if(symbol <= HOOKED_NONE || symbol >= HOOKED_COUNT)
        return NULL;
    return hooked_names[symbol];
}

int dl_rules_open_mode(int mode, bool keep_deepbind)
{
    if(keep_deepbind || !(mode & RTLD_DEEPBIND))
        return mode;
    return mode & ~RTLD_DEEPBIND;
}
