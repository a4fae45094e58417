/* A bounds-checked ELF reader for both classes and both byte orders. Every offset comes from
   the file, so every read is checked: a truncated or hostile file gives "not ELF" or fewer
   facts, never a crash. */
#include "elf_facts.h"

#include <stdint.h>
#include <string.h>

struct reader {
    const unsigned char *image;
    size_t size;
    bool big_endian;
    bool is64;
};

enum {
    PT_LOAD_ = 1,
    PT_DYNAMIC_ = 2,
    PT_INTERP_ = 3,
    PT_NOTE_ = 4,
    SHT_DYNSYM_ = 11,
    DT_NULL_ = 0,
    DT_NEEDED_ = 1,
    DT_STRTAB_ = 5,
    DT_STRSZ_ = 10,
    DT_RPATH_ = 15,
    DT_RUNPATH_ = 29,
    NT_GO_BUILD_ID = 4,
    ET_DYN_ = 3,
    SHN_UNDEF_ = 0,
};

static bool in_bounds(const struct reader *r, uint64_t offset, uint64_t length)
{
    return offset <= r->size && length <= r->size - offset;
}

static uint64_t read_unsigned(const struct reader *r, uint64_t offset, int bytes)
{
    if(!in_bounds(r, offset, (uint64_t)bytes))
        return 0;
    uint64_t value = 0;
    for(int i = 0; i < bytes; i++) {
        int index = r->big_endian ? i : bytes - 1 - i;
        value = (value << 8) | r->image[offset + (uint64_t)index];
    }
    return value;
}

static uint64_t u16(const struct reader *r, uint64_t offset)
{
    return read_unsigned(r, offset, 2);
}
static uint64_t u32(const struct reader *r, uint64_t offset)
{
    return read_unsigned(r, offset, 4);
}

/* An address, offset or size: 8 bytes in ELF64, 4 in ELF32. */
static uint64_t word(const struct reader *r, uint64_t offset)
{
    return read_unsigned(r, offset, r->is64 ? 8 : 4);
}

/* Copies the NUL-terminated string at offset, if it is whole within limit bytes of the file. */
static bool copy_string(const struct reader *r, uint64_t offset, uint64_t limit, char *out,
                        size_t size)
{
    if(!in_bounds(r, offset, 0))
        return false;
    uint64_t available = r->size - offset < limit ? r->size - offset : limit;
    const unsigned char *start = r->image + offset;
    const unsigned char *end = memchr(start, '\0', (size_t)available);
    if(!end || (size_t)(end - start) >= size)
        return false;
    memcpy(out, start, (size_t)(end - start) + 1);
    return true;
}

/* How many entries of a table the file really holds: a hostile size must not make a loop run
   for ever over reads that all fail. */
static size_t entries_in_file(const struct reader *r, uint64_t offset, uint64_t size,
                              size_t entry_size)
{
    if(!in_bounds(r, offset, 0))
        return 0;
    uint64_t available = r->size - offset < size ? r->size - offset : size;
    return (size_t)(available / entry_size);
}

struct program_header {
    uint64_t type, offset, vaddr, filesz;
};

static size_t program_header_count(const struct reader *r)
{
    return (size_t)u16(r, r->is64 ? 56 : 44);
}

static struct program_header program_header_at(const struct reader *r, size_t index)
{
    uint64_t table = word(r, r->is64 ? 32 : 28);
    uint64_t entry = table + index * u16(r, r->is64 ? 54 : 42);
    struct program_header h;
    h.type = u32(r, entry);
    h.offset = word(r, entry + (r->is64 ? 8 : 4));
    h.vaddr = word(r, entry + (r->is64 ? 16 : 8));
    h.filesz = word(r, entry + (r->is64 ? 32 : 16));
    return h;
}

/* The file offset of a virtual address, through the PT_LOAD segment holding it. */
static bool address_to_offset(const struct reader *r, uint64_t address, uint64_t *offset)
{
    for(size_t i = 0; i < program_header_count(r); i++) {
        struct program_header h = program_header_at(r, i);
        if(h.type == PT_LOAD_ && address >= h.vaddr && address - h.vaddr < h.filesz) {
            *offset = h.offset + (address - h.vaddr);
            return true;
        }
    }
    return false;
}

static void read_dynamic(const struct reader *r, const struct program_header *dynamic,
                         struct elf_facts *out)
{
    size_t entry_size = r->is64 ? 16 : 8;
    uint64_t strtab = 0, strsz = 0;
    size_t count = entries_in_file(r, dynamic->offset, dynamic->filesz, entry_size);
    /* The string table's address comes first, whatever order the entries are in. */
    for(size_t i = 0; i < count; i++) {
        uint64_t entry = dynamic->offset + i * entry_size;
        uint64_t tag = word(r, entry);
        if(tag == DT_STRTAB_)
            strtab = word(r, entry + entry_size / 2);
        else if(tag == DT_STRSZ_)
            strsz = word(r, entry + entry_size / 2);
    }
    uint64_t strings;
    if(!strtab || !address_to_offset(r, strtab, &strings))
        return;
    for(size_t i = 0; i < count; i++) {
        uint64_t entry = dynamic->offset + i * entry_size;
        uint64_t tag = word(r, entry);
        uint64_t value = word(r, entry + entry_size / 2);
        if(tag == DT_NULL_)
            break;
        if(value >= strsz)
            continue;
        if(tag == DT_NEEDED_ && out->needed_count < ELF_NEEDED_MAX) {
            if(copy_string(r, strings + value, strsz - value, out->needed[out->needed_count],
                           ELF_NAME_MAX))
                out->needed_count++;
        }
        else if(tag == DT_RUNPATH_ || (tag == DT_RPATH_ && !out->search_path[0])) {
            copy_string(r, strings + value, strsz - value, out->search_path,
                        sizeof(out->search_path));
        }
    }
}

/* Walks the notes of one PT_NOTE segment looking for Go's build ID. */
static bool has_go_note(const struct reader *r, const struct program_header *note)
{
    uint64_t p = note->offset, end = note->offset + note->filesz;
    while(p + 12 <= end && in_bounds(r, p, 12)) {
        uint64_t name_size = u32(r, p), desc_size = u32(r, p + 4), type = u32(r, p + 8);
        uint64_t name = p + 12;
        if(type == NT_GO_BUILD_ID && name_size == 3 && in_bounds(r, name, 3) &&
           !memcmp(r->image + name, "Go", 3))
            return true;
        p = name + ((name_size + 3) & ~(uint64_t)3) + ((desc_size + 3) & ~(uint64_t)3);
    }
    return false;
}

static void read_program_headers(const struct reader *r, struct elf_facts *out)
{
    for(size_t i = 0; i < program_header_count(r); i++) {
        struct program_header h = program_header_at(r, i);
        if(h.type == PT_INTERP_) {
            out->has_interpreter = true;
            copy_string(r, h.offset, h.filesz, out->interpreter, sizeof(out->interpreter));
        }
        else if(h.type == PT_DYNAMIC_) {
            out->has_dynamic = true;
            read_dynamic(r, &h, out);
        }
        else if(h.type == PT_NOTE_ && has_go_note(r, &h)) {
            out->is_go = true;
        }
    }
}

struct section_header {
    uint64_t name, type, offset, size, link, entsize;
};

static struct section_header section_header_at(const struct reader *r, size_t index)
{
    uint64_t table = word(r, r->is64 ? 40 : 32);
    uint64_t entry = table + index * u16(r, r->is64 ? 58 : 46);
    struct section_header h;
    h.name = u32(r, entry);
    h.type = u32(r, entry + 4);
    h.offset = word(r, entry + (r->is64 ? 24 : 16));
    h.size = word(r, entry + (r->is64 ? 32 : 20));
    h.link = u32(r, entry + (r->is64 ? 40 : 24));
    h.entsize = word(r, entry + (r->is64 ? 56 : 36));
    return h;
}

static size_t section_count(const struct reader *r)
{
    if(!word(r, r->is64 ? 40 : 32))
        return 0;
    return (size_t)u16(r, r->is64 ? 60 : 48);
}

static void note_import(const char *name, struct elf_facts *out)
{
    if(!strcmp(name, "curl_easy_perform"))
        out->imports_easy_perform = true;
    else if(!strcmp(name, "curl_multi_perform") || !strcmp(name, "curl_multi_socket_action"))
        out->imports_multi = true;
    else if(!strcmp(name, "connect"))
        out->imports_connect = true;
    else if(!strcmp(name, "dlopen"))
        out->imports_dlopen = true;
    else if(!strcmp(name, "dlmopen"))
        out->imports_dlmopen = true;
}

/* Undefined .dynsym entries are what the program takes from its libraries: the calls a
   preloaded library can stand in for. */
static void read_dynamic_symbols(const struct reader *r, const struct section_header *dynsym,
                                 struct elf_facts *out)
{
    size_t symbol_size = r->is64 ? 24 : 16;
    if(dynsym->entsize != symbol_size || dynsym->link >= section_count(r))
        return;
    struct section_header strings = section_header_at(r, (size_t)dynsym->link);
    out->has_symbols = true;
    size_t count = entries_in_file(r, dynsym->offset, dynsym->size, symbol_size);
    for(size_t i = 1; i < count; i++) {
        uint64_t symbol = dynsym->offset + i * symbol_size;
        uint64_t name = u32(r, symbol);
        uint64_t section_index = u16(r, symbol + (r->is64 ? 6 : 14));
        char text[64];
        if(section_index != SHN_UNDEF_ || name >= strings.size)
            continue;
        if(copy_string(r, strings.offset + name, strings.size - name, text, sizeof(text)))
            note_import(text, out);
    }
}

static bool section_is_named(const struct reader *r, const struct section_header *section,
                             const struct section_header *names, const char *wanted)
{
    char text[32];
    return section->name < names->size &&
           copy_string(r, names->offset + section->name, names->size - section->name, text,
                       sizeof(text)) &&
           !strcmp(text, wanted);
}

static void read_sections(const struct reader *r, struct elf_facts *out)
{
    size_t count = section_count(r);
    size_t names_index = (size_t)u16(r, r->is64 ? 62 : 50);
    struct section_header names = section_header_at(r, names_index < count ? names_index : 0);
    for(size_t i = 0; i < count; i++) {
        struct section_header h = section_header_at(r, i);
        if(h.type == SHT_DYNSYM_)
            read_dynamic_symbols(r, &h, out);
        else if(names_index < count && section_is_named(r, &h, &names, ".go.buildinfo"))
            out->is_go = true;
    }
}

static bool contains(const struct reader *r, const char *text)
{
    return memmem(r->image, r->size, text, strlen(text)) != NULL;
}

bool elf_facts_read(const unsigned char *image, size_t size, struct elf_facts *out)
{
    memset(out, 0, sizeof(*out));
    if(size < 52 || memcmp(image, "\177ELF", 4))
        return false;
    if((image[4] != 1 && image[4] != 2) || (image[5] != 1 && image[5] != 2))
        return false;
    struct reader r = {image, size, image[5] == 2, image[4] == 2};
    if(r.is64 && size < 64)
        return false;
    out->bits = r.is64 ? 64 : 32;
    out->machine = (int)u16(&r, 18);
    out->is_shared_object_type = u16(&r, 16) == ET_DYN_;
    read_program_headers(&r, out);
    read_sections(&r, out);
    /* Stripped Go binaries keep the buildinfo blob; its magic starts "\xff Go buildinf:". */
    out->is_go = out->is_go || contains(&r, "\xff Go buildinf:");
    out->mentions_libcurl = contains(&r, "libcurl/");
    out->names_libcurl_soname = contains(&r, "libcurl.so.") || contains(&r, "libcurl-gnutls.so.");
    return true;
}
