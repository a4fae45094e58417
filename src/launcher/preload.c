/* LD_PRELOAD composition is pure; locating the library touches the file system only to ask
   which of two candidate paths exists. */
#include "preload.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const layouts[] = {
    "libtryagain.so", /* build tree: next to the command */
    "../lib/tryagain/libtryagain.so", /* installed: PREFIX/bin and PREFIX/lib/tryagain */
};

static bool join_path(const char *dir, size_t dir_len, const char *relative, char *out, size_t size)
{
    size_t relative_len = strlen(relative);
    if(dir_len + 1 + relative_len + 1 > size)
        return false;
    memcpy(out, dir, dir_len);
    out[dir_len] = '/';
    memcpy(out + dir_len + 1, relative, relative_len + 1);
    return true;
}

bool library_locate(const char *exe_path, char *out, size_t size)
{
    const char *slash = strrchr(exe_path, '/');
    if(!slash)
        return false;
    size_t dir_len = (size_t)(slash - exe_path);
    for(size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        char candidate[PATH_MAX];
        if(!join_path(exe_path, dir_len, layouts[i], candidate, sizeof(candidate)))
            continue;
        if(access(candidate, R_OK) != 0)
            continue;
        char resolved[PATH_MAX];
        /* Absolute and without "..": the program may chdir before it loads anything. */
        if(!realpath(candidate, resolved) || strlen(resolved) >= size)
            continue;
        memcpy(out, resolved, strlen(resolved) + 1);
        return true;
    }
    return false;
}

struct builder {
    char *out;
    size_t size;
    size_t used;
    bool overflow;
};

static void append_entry(struct builder *b, const char *entry, size_t len)
{
    size_t separator = b->used ? 1 : 0;
    if(b->used + separator + len + 1 > b->size) {
        b->overflow = true;
        return;
    }
    if(separator)
        b->out[b->used++] = ':';
    memcpy(b->out + b->used, entry, len);
    b->used += len;
    b->out[b->used] = '\0';
}

bool preload_compose(const char *library, const char *old_value, char *out, size_t size)
{
    size_t library_len = strlen(library);
    if(!library_len || strpbrk(library, " :") || !size)
        return false;
    struct builder b = {out, size, 0, false};
    out[0] = '\0';
    append_entry(&b, library, library_len);
    const char *p = old_value ? old_value : "";
    while(*p) {
        size_t len = strcspn(p, " :");
        bool is_library = len == library_len && !strncmp(p, library, len);
        if(len && !is_library)
            append_entry(&b, p, len);
        p += len;
        if(*p)
            p++;
    }
    return !b.overflow;
}
