/* Where the library is, and the LD_PRELOAD value that puts it in front of the program. */
#ifndef TRYAGAIN_LAUNCHER_PRELOAD_H
#define TRYAGAIN_LAUNCHER_PRELOAD_H

#include <stdbool.h>
#include <stddef.h>

/* Looks for the library next to the program at exe_path, in the build tree's layout
   (build/tryagain, build/libtryagain.so) and then the installed one (bin/tryagain,
   lib/tryagain/libtryagain.so). Writes an absolute path; false when neither exists. */
bool library_locate(const char *exe_path, char *out, size_t size);

/* The library first, then every entry of the old value (ld.so splits LD_PRELOAD on spaces and
   colons) except earlier copies of the library, joined with ':'. Pure. False when the result
   does not fit, or when the library path holds a space or a colon, which LD_PRELOAD cannot
   express. */
bool preload_compose(const char *library, const char *old_value, char *out, size_t size);

#endif
