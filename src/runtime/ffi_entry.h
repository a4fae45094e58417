/* What dlsym answers for a hooked name asked of a library's own handle (FFI callers: Python
   ctypes, PHP FFI, Ruby's ffi). */
#ifndef TRYAGAIN_FFI_ENTRY_H
#define TRYAGAIN_FFI_ENTRY_H

#include "policy/dl_rules.h"

/* found is what the C library's dlsym returned for symbol. Returns the hook that stands in for
   it: for a libcurl function, an entry that runs the hook against that very libcurl; for libc's
   connect, the connect hook. Anything else (a library's own connect, this library's hooks, a
   function of no complete libcurl) is returned as found. */
void *ffi_entry_answer(enum hooked_symbol symbol, void *found);

#endif
