/* The C library's dlopen and dlsym, bound past the library's own hooks of them
   (src/runtime/dl_reach.c): every lookup the library makes for itself goes here. */
#ifndef TRYAGAIN_REAL_DL_H
#define TRYAGAIN_REAL_DL_H

/* For what the ASan and TSan runtimes reach during their own start-up (they look their
   interceptors' real functions up with dlsym before their shadow memory exists): no
   instrumentation there. */
#define NOT_SANITIZED __attribute__((no_sanitize("address", "undefined", "thread")))

typedef void *(*dlopen_fn)(const char *file, int mode);
typedef void *(*dlsym_fn)(void *handle, const char *name);

/* Never NULL once real_dl_bind() returned: bound from the C library by version
   (GLIBC_2.34, else GLIBC_2.2.5), or stand-ins that fail cleanly when neither is found. */
extern dlopen_fn real_dlopen_function;
extern dlsym_fn real_dlsym_function;

/* Binds both when not bound yet; cheap once they are. Safe before the library's constructors
   ran (the ASan runtime, preloaded first, looks symbols up that early). */
void real_dl_bind(void);

/* For the library's own lookups. RTLD_NEXT here means "after this library". */
void *real_dlsym(void *handle, const char *name);
/* For the library's own RTLD_NOLOAD look-ups of objects already loaded, by absolute name: the
   caller glibc sees is this library, which is harmless for those. */
void *real_dlopen(const char *file, int mode);

#endif
