/* What the exported dlopen and dlsym (dl_stubs.c) do, decided in C. */
#ifndef TRYAGAIN_DL_REACH_H
#define TRYAGAIN_DL_REACH_H

/* The mode dlopen passes on: RTLD_DEEPBIND cleared (unless TRYAGAIN_KEEP_DEEPBIND=1 or retries
   are off), so that the loaded group binds curl_easy_*, connect, dlopen and dlsym through the
   global scope, where the hooks are. Also binds real_dlopen_function. */
int dl_reach_open_mode(const char *file, int mode);

/* The function dlsym jumps to with the program's arguments: the C library's dlsym, or
   dl_reach_answer for a hooked name asked of a library's own handle. */
void *dl_reach_dlsym_target(void *handle, const char *name);

/* dlsym(handle, name) for a hooked name and a real handle: the C library's answer, or the
   hook standing in for it. */
void *dl_reach_answer(void *handle, const char *name);

#endif
