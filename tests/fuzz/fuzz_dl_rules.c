/* The dlopen and dlsym hooks' pure decisions on fuzzed names and modes: a name is a hook
   exactly when it spells one of the hooks' names, and dlopen's mode loses RTLD_DEEPBIND and
   nothing else (unless it is to be kept). */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "policy/dl_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    int mode = (int)fuzz_u32(&in);
    bool keep = fuzz_bool(&in);
    int opened = dl_rules_open_mode(mode, keep);
    FUZZ_CHECK(opened == (keep ? mode : (mode & ~RTLD_DEEPBIND)));

    char *name = fuzz_rest_as_string(&in);
    enum hooked_symbol hooked = dl_rules_hooked_symbol(name);
    FUZZ_CHECK(hooked >= HOOKED_NONE && hooked < HOOKED_COUNT);
    bool spelled = false;
    for(int symbol = 0; symbol < HOOKED_COUNT; symbol++) {
        const char *hook = dl_rules_symbol_name((enum hooked_symbol)symbol);
        FUZZ_CHECK(hook != NULL);
        if(!strcmp(hook, name)) {
            FUZZ_CHECK(hooked == (enum hooked_symbol)symbol);
            spelled = true;
        }
    }
    FUZZ_CHECK(spelled == (hooked != HOOKED_NONE));
    FUZZ_CHECK(dl_rules_symbol_name(HOOKED_NONE) == NULL);
    free(name);
    return 0;
}
