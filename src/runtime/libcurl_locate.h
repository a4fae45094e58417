/* Finds libcurl objects where they are loaded, never loading one: by the object that defines a
   function, by what a calling object's own dependencies provide, or by looking at every loaded
   object. Any soname, RTLD_LOCAL or not. */
#ifndef TRYAGAIN_LIBCURL_LOCATE_H
#define TRYAGAIN_LIBCURL_LOCATE_H

#include <stdbool.h>
#include <stdint.h>

/* The loaded object a function or return address lies in. */
struct loaded_object {
    uintptr_t base; /* load bias: link_map's l_addr, dl_iterate_phdr's dlpi_addr */
    uintptr_t start, end; /* the span of its PT_LOAD segments */
    char path[512]; /* "" for the main program */
    bool is_this_library;
};

/* False when address lies in no loaded object. */
bool libcurl_locate_object(const void *address, struct loaded_object *out);

/* A handle of object (dlopen(path, RTLD_NOLOAD)), which stays open so that the object stays
   loaded while a table of its functions exists. NULL if it cannot be had. */
void *libcurl_locate_pin(const struct loaded_object *object);

/* curl_easy_perform as the object's own dependencies provide it (what the loader binds its
   calls to without this library); NULL when they have none. Not for the main program, whose
   scope is the global one (use RTLD_NEXT). */
void *libcurl_locate_for_object(const struct loaded_object *object);

/* curl_easy_perform of the first loaded object that defines it itself, this library aside;
   NULL when none does. */
void *libcurl_locate_any(void);

#endif
