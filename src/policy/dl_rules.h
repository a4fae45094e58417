/* What the dlopen and dlsym hooks decide, apart from doing it: which names are the library's
   hooks, and what dlopen's mode becomes. Pure: no loader calls. */
#ifndef TRYAGAIN_DL_RULES_H
#define TRYAGAIN_DL_RULES_H

#include <stdbool.h>

/* The exported hooks a dlsym on a library's own handle is answered with (src/exports.map). */
enum hooked_symbol {
    HOOKED_NONE = -1,
    HOOKED_EASY_SETOPT,
    HOOKED_EASY_PERFORM,
    HOOKED_EASY_DUPHANDLE,
    HOOKED_EASY_RESET,
    HOOKED_EASY_CLEANUP,
    HOOKED_CONNECT,
    HOOKED_COUNT
};

/* HOOKED_NONE unless name is one of the hooks. A few compares for any name: dlsym of an
   unhooked name must stay as cheap as it was. */
enum hooked_symbol dl_rules_hooked_symbol(const char *name);
/* "curl_easy_perform"... for HOOKED_EASY_PERFORM...; NULL for anything else. */
const char *dl_rules_symbol_name(enum hooked_symbol symbol);

/* dlopen's mode as passed on: RTLD_DEEPBIND cleared when set, unless it is to be kept; every
   other bit as the program gave it. */
int dl_rules_open_mode(int mode, bool keep_deepbind);

#endif
