/* Hooks that reach what LD_PRELOAD alone does not.

   RTLD_DEEPBIND (PHP opens every extension so): the loaded object and its dependencies look
   symbols up in their own group before the global scope, so their curl_easy_* and connect()
   calls would skip the hooks. Clearing the flag at the dlopen puts the global scope first
   again; the group then also binds dlopen and dlsym to these hooks, so loads made from inside
   it are seen too. Why this rather than patching GOT slots: docs/internals/symbol-binding.md.

   dlsym on a library's own handle (Python ctypes, PHP FFI, Ruby's ffi): a hooked name is
   answered with the hook, and the hook calls the real function of that very library. */
#include "runtime/dl_reach.h"

#include <dlfcn.h>
#include <stdint.h>

#include "policy/dl_rules.h"
#include "runtime/ffi_entry.h"
#include "runtime/real_dl.h"
#include "runtime/settings.h"

/* Read only for a dlopen that asks for RTLD_DEEPBIND: every other dlopen costs one test. */
static bool deepbind_kept(void)
{
    const struct tryagain_config *config = runtime_config();
    return config->keep_deepbind || config->max_attempts <= 1;
}

NOT_SANITIZED int dl_reach_open_mode(const char *file, int mode)
{
    (void)file;
    real_dl_bind();
    if(!(mode & RTLD_DEEPBIND))
        return mode;
    return dl_rules_open_mode(mode, deepbind_kept());
}

NOT_SANITIZED void *dl_reach_dlsym_target(void *handle, const char *name)
{
    real_dl_bind();
    /* RTLD_DEFAULT already finds the hooks first (the library is preloaded); RTLD_NEXT must
       mean "after the program's caller", which only the jump keeps. */
    if(handle == RTLD_DEFAULT || handle == RTLD_NEXT)
        return (void *)real_dlsym_function;
    if(!name || name[0] != 'c' || dl_rules_hooked_symbol(name) == HOOKED_NONE)
        return (void *)real_dlsym_function;
    return (void *)dl_reach_answer;
}

void *dl_reach_answer(void *handle, const char *name)
{
    /* An explicit handle: glibc does not look at the caller, so calling it from here is the
       same as the program calling it, and dlerror() reports the same. */
    void *found = real_dlsym_function(handle, name);
    return ffi_entry_answer(dl_rules_hooked_symbol(name), found);
}
