/* Preloaded right after the ASan runtime when a sanitizer build runs uninstrumented distro
   programs (/usr/bin/curl, wget, python3). Linked with -z initfirst, so its constructor runs
   before every other library's.

   Why: a preloaded ASan runtime initialises itself lazily, on the first intercepted call, and
   its own constructor runs after all the program's libraries. On Debian 12, libp11-kit's
   constructor calls newlocale(), which takes glibc's setlocale lock for writing and then calls
   malloc(). That malloc is the first intercepted call, so ASan initialises inside newlocale; its
   dlerror() -> dcgettext() takes and releases the same lock as a reader, which corrupts the
   lock, and the program's own setlocale() later waits on it forever (curl --version hangs).
   Touching the allocator here makes ASan initialise before any other constructor runs. */
#include <stdlib.h>

__attribute__((constructor)) static void initialise_sanitizer_runtime_first(void)
{
    /* volatile: the compiler would otherwise drop a malloc whose block is never used */
    void *volatile block = malloc(1);
    free(block);
}
