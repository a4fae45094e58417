/* Built with RUNPATH $ORIGIN/runpath: dlopens a library by $ORIGIN and one by RUNPATH. Both
   resolve only if glibc sees this library, not the hook, as dlopen's caller. */
#include <dlfcn.h>
#include <stdio.h>

static void open_and_name(const char *name)
{
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if(!library) {
        printf("%s: %s\n", name, dlerror());
        return;
    }
    const char *(*target_name)(void);
    *(void **)&target_name = dlsym(library, "reach_target_name");
    printf("%s: %s\n", name, target_name ? target_name() : "no reach_target_name");
}

void origin_open(void)
{
    open_and_name("$ORIGIN/origin/libreach_target.so");
    open_and_name("libreach_rp_target.so");
    fflush(stdout);
}
