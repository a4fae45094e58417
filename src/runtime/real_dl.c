/* dlvsym is not hooked, so it binds to the C library's, and RTLD_NEXT from here skips this
   library: what is found is the definition the program would have used without it. */
#include "runtime/real_dl.h"

#include <dlfcn.h>
#include <stddef.h>

dlopen_fn real_dlopen_function;
dlsym_fn real_dlsym_function;

NOT_SANITIZED static void *dlopen_unavailable(const char *file, int mode)
{
    (void)file;
    (void)mode;
    return NULL;
}

NOT_SANITIZED static void *dlsym_unavailable(void *handle, const char *name)
{
    (void)handle;
    (void)name;
    return NULL;
}

/* GLIBC_2.34 where libdl was merged into libc, GLIBC_2.2.5 (x86_64) or the architecture's
   first version before that, then whatever the next definition is. */
NOT_SANITIZED static void *bind_versioned(const char *name)
{
    static const char *const versions[] = {"GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.0"};
    for(size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        void *found = dlvsym(RTLD_NEXT, name, versions[i]);
        if(found)
            return found;
    }
    return NULL;
}

/* Racing binders store the same values: no lock, and nothing allocated. */
NOT_SANITIZED void real_dl_bind(void)
{
    if(__atomic_load_n(&real_dlsym_function, __ATOMIC_ACQUIRE) &&
       __atomic_load_n(&real_dlopen_function, __ATOMIC_ACQUIRE))
        return;
    void *open_found = bind_versioned("dlopen");
    void *sym_found = bind_versioned("dlsym");
    dlopen_fn open_fn = open_found ? (dlopen_fn)open_found : dlopen_unavailable;
    dlsym_fn sym_fn = sym_found ? (dlsym_fn)sym_found : dlsym_unavailable;
    __atomic_store_n(&real_dlopen_function, open_fn, __ATOMIC_RELEASE);
    __atomic_store_n(&real_dlsym_function, sym_fn, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void bind_at_load(void)
{
    real_dl_bind();
}

void *real_dlsym(void *handle, const char *name)
{
    real_dl_bind();
    return real_dlsym_function(handle, name);
}

void *real_dlopen(const char *file, int mode)
{
    real_dl_bind();
    return real_dlopen_function(file, mode);
}
