/* Every look-up here goes through real_dl.c (never the library's own dlsym hook), and a failed
   one has its dlerror() text taken back, so that the program never finds an error it did not
   cause. No loader call is made from inside dl_iterate_phdr's callback (the loader holds its
   lock there): names are collected first, looked at after. */
#include "runtime/libcurl_locate.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/real_dl.h"

#define PROBE_NAME "curl_easy_perform"
#define OBJECTS_MAX 256

struct span_search {
    uintptr_t address;
    struct loaded_object *out;
    bool found;
};

static void span_of(const struct dl_phdr_info *info, uintptr_t *start, uintptr_t *end)
{
    *start = UINTPTR_MAX;
    *end = 0;
    for(int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if(segment->p_type != PT_LOAD)
            continue;
        uintptr_t from = info->dlpi_addr + segment->p_vaddr;
        uintptr_t to = from + segment->p_memsz;
        if(from < *start)
            *start = from;
        if(to > *end)
            *end = to;
    }
}

static int find_span(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct span_search *search = data;
    uintptr_t start, end;
    span_of(info, &start, &end);
    if(search->address < start || search->address >= end)
        return 0;
    search->out->start = start;
    search->out->end = end;
    search->found = true;
    return 1;
}

/* The object's load bias (l_addr, dl_iterate_phdr's dlpi_addr), which tells objects apart. */
static bool map_of(const void *address, struct link_map **map)
{
    Dl_info info;
    *map = NULL;
    return dladdr1(address, &info, (void **)map, RTLD_DL_LINKMAP) && *map;
}

static bool is_this_library(uintptr_t base)
{
    struct link_map *own;
    return map_of((const void *)&map_of, &own) && own->l_addr == base;
}

bool libcurl_locate_object(const void *address, struct loaded_object *out)
{
    struct link_map *map;
    if(!map_of(address, &map))
        return false;
    memset(out, 0, sizeof(*out));
    out->base = map->l_addr;
    snprintf(out->path, sizeof(out->path), "%s", map->l_name ? map->l_name : "");
    out->is_this_library = is_this_library(out->base);
    struct span_search search = {(uintptr_t)address, out, false};
    dl_iterate_phdr(find_span, &search);
    if(!search.found) {
        out->start = (uintptr_t)address;
        out->end = (uintptr_t)address + 1;
    }
    return true;
}

void *libcurl_locate_pin(const struct loaded_object *object)
{
    void *handle = real_dlopen(object->path[0] ? object->path : NULL, RTLD_LAZY | RTLD_NOLOAD);
    if(!handle)
        dlerror();
    return handle;
}

/* dlsym on the object's own handle searches the object and its dependencies, breadth first:
   the loader's own order for that object's local scope. */
void *libcurl_locate_for_object(const struct loaded_object *object)
{
    if(!object->path[0] || object->is_this_library)
        return NULL;
    void *handle = real_dlopen(object->path, RTLD_LAZY | RTLD_NOLOAD);
    if(!handle) {
        dlerror();
        return NULL;
    }
    void *found = real_dlsym(handle, PROBE_NAME);
    if(!found)
        dlerror();
    dlclose(handle);
    return found;
}

struct object_list {
    int count;
    uintptr_t base[OBJECTS_MAX];
    char path[OBJECTS_MAX][256];
};

static int collect_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct object_list *list = data;
    if(list->count >= OBJECTS_MAX)
        return 1;
    if(!info->dlpi_name || !info->dlpi_name[0] || strlen(info->dlpi_name) >= sizeof(list->path[0]))
        return 0; /* the main program (its scope is the global one), the vDSO */
    list->base[list->count] = info->dlpi_addr;
    snprintf(list->path[list->count], sizeof(list->path[0]), "%s", info->dlpi_name);
    list->count++;
    return 0;
}

/* Defined in the object itself, not found in one of its dependencies. */
static void *defined_in(uintptr_t base, const char *path)
{
    void *handle = real_dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
    if(!handle) {
        dlerror();
        return NULL;
    }
    void *found = real_dlsym(handle, PROBE_NAME);
    if(!found)
        dlerror();
    dlclose(handle);
    struct link_map *map;
    if(found && map_of(found, &map) && map->l_addr == base)
        return found;
    return NULL;
}

void *libcurl_locate_any(void)
{
    struct object_list *list = malloc(sizeof(*list)); /* 64 KiB: not on the program's stack */
    if(!list)
        return NULL;
    list->count = 0;
    dl_iterate_phdr(collect_object, list);
    void *found = NULL;
    for(int i = 0; i < list->count && !found; i++) {
        if(!is_this_library(list->base[i]))
            found = defined_in(list->base[i], list->path[i]);
    }
    free(list);
    return found;
}
