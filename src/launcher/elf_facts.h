/* What the dynamic loader will see in an ELF file: enough to tell whether LD_PRELOAD can reach
   the program. Reads a file image in memory; never runs it. */
#ifndef TRYAGAIN_LAUNCHER_ELF_FACTS_H
#define TRYAGAIN_LAUNCHER_ELF_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#define ELF_NEEDED_MAX 64
#define ELF_NAME_MAX 256

struct elf_facts {
    int bits; /* 32 or 64 */
    int machine; /* e_machine */
    bool is_shared_object_type; /* ET_DYN: a PIE program, a shared library or a static PIE */
    bool has_interpreter; /* PT_INTERP: the dynamic loader runs, LD_PRELOAD applies */
    char interpreter[ELF_NAME_MAX];
    bool has_dynamic; /* PT_DYNAMIC */
    int needed_count;
    char needed[ELF_NEEDED_MAX][ELF_NAME_MAX]; /* DT_NEEDED, in order */
    char search_path[1024]; /* DT_RUNPATH, else DT_RPATH, as written ($ORIGIN unexpanded) */
    bool has_symbols; /* a .dynsym was found, so the imports below are known */
    bool imports_easy_perform;
    bool imports_multi; /* curl_multi_perform or curl_multi_socket_action */
    bool imports_connect;
    bool imports_dlopen;
    bool imports_dlmopen; /* loads into namespaces of its own, where no preload is */
    bool is_go; /* .go.buildinfo, the "Go" build ID note, or the buildinfo magic */
    bool mentions_libcurl; /* the text "libcurl/" (curl_version's) is in the file */
    bool names_libcurl_soname; /* "libcurl.so." or "libcurl-gnutls.so.": a name to dlopen */
};

/* False when image is not an ELF file this can read (then *out is unspecified). */
bool elf_facts_read(const unsigned char *image, size_t size, struct elf_facts *out);

#endif
