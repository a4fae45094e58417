/* The least any preloaded libcurl hook can cost, for scripts/bench_multi.sh to measure beside
   libtryagain.so: a model, not a retry library. It is built four times.

   floor_bare.so (FLOOR_BARE) passes every call it exports straight on to the one libcurl
   RTLD_NEXT finds: a jump, nothing else. Wrong where a process holds two libcurls.

   floor_route.so passes every call it exports on to libcurl, and finds which libcurl the way
   libtryagain.so's fast path does: the caller's object, remembered per thread, checked against
   the return address, because a process may hold two libcurls and each call must reach its
   caller's. It keeps nothing and changes nothing.

   floor_gate.so (FLOOR_GATE) also does the least the one-response guarantee needs: it notes
   the program's write and header callbacks per handle and puts its own in their place, which
   pass every line and chunk on after a glance at the status line. It keeps no URL, method,
   upload or rewind state, looks at no header, and never retries: all of that is extra.

   floor_got.so (FLOOR_GOT, with FLOOR_GATE) settles the routing of curl_easy_setopt
   once per calling object instead of on each call: at an object's first call it points that
   object's GOT slot for curl_easy_setopt at a copy of the hook bound to its libcurl, which
   needs no check of the caller. This writes into another object's relocated memory (an
   mprotect of its RELRO page when the program is linked with -z now), which libtryagain.so does
   not do (docs/internals/symbol-binding.md); the model shows what that would save. Only on
   x86-64 (SETTLES_SLOTS): elsewhere it is floor_gate.so again.

   Only one libcurl is looked for (RTLD_NEXT): the slow path is the same shape as the library's
   but is not what is measured, since it runs once per caller object. Exported: the hooks
   curl -Z calls for each transfer, and nothing else, so that this is a lower bound. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef FLOOR_GOT
#include <sys/mman.h>
#include <unistd.h>
#endif

#define EXPORT __attribute__((visibility("default")))

#if defined(FLOOR_GOT) && defined(__x86_64__)
#define SETTLES_SLOTS 1
#endif

/* The variadic argument as a word, as libtryagain.so takes it on x86-64 and aarch64. */
EXPORT CURLcode floor_easy_setopt(CURL *handle, CURLoption option,
                                  uint64_t word) __asm__("curl_easy_setopt");

struct table {
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    void (*easy_cleanup)(CURL *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned, int, int *);
    CURLMcode (*multi_wait)(CURLM *, struct curl_waitfd[], unsigned, int, int *);
    CURLMcode (*multi_timeout)(CURLM *, long *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
};

static struct table the_table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void bind_table(void)
{
    *(void **)&the_table.easy_setopt = dlsym(RTLD_NEXT, "curl_easy_setopt");
    *(void **)&the_table.easy_cleanup = dlsym(RTLD_NEXT, "curl_easy_cleanup");
    *(void **)&the_table.multi_add_handle = dlsym(RTLD_NEXT, "curl_multi_add_handle");
    *(void **)&the_table.multi_remove_handle = dlsym(RTLD_NEXT, "curl_multi_remove_handle");
    *(void **)&the_table.multi_perform = dlsym(RTLD_NEXT, "curl_multi_perform");
    *(void **)&the_table.multi_poll = dlsym(RTLD_NEXT, "curl_multi_poll");
    *(void **)&the_table.multi_wait = dlsym(RTLD_NEXT, "curl_multi_wait");
    *(void **)&the_table.multi_timeout = dlsym(RTLD_NEXT, "curl_multi_timeout");
    *(void **)&the_table.multi_info_read = dlsym(RTLD_NEXT, "curl_multi_info_read");
}

#ifdef FLOOR_BARE
__attribute__((constructor)) static void bind_at_load(void)
{
    pthread_once(&table_once, bind_table);
}
#define table_of(caller) ((void)(caller), (const struct table *)&the_table)
#else
struct span {
    uintptr_t start, end;
    const struct table *table;
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
};

static const struct span no_span = {0, 0, NULL, NULL};
static __thread const struct span *last_span = &no_span;

struct span_search {
    uintptr_t address;
    struct span found;
    const struct dl_phdr_info *object; /* valid inside dl_iterate_phdr's callback only */
};

#ifdef SETTLES_SLOTS
static CURLcode bound_easy_setopt(CURL *handle, CURLoption option, uint64_t word);

/* glibc adds the load bias to these entries in place on x86-64; a read-only dynamic section
   (the vDSO's) keeps them relative. */
static uintptr_t dynamic_address(const struct dl_phdr_info *info, uintptr_t value)
{
    return value < info->dlpi_addr ? value + info->dlpi_addr : value;
}

/* The object's GOT slot for curl_easy_setopt, pointed at bound_easy_setopt when it holds the
   exported hook; left as it is on any doubt (then the calls stay on the routed path). */
static void settle_setopt_slot(const struct dl_phdr_info *info)
{
    const ElfW(Dyn) *dynamic = NULL;
    uintptr_t relro_start = 0, relro_end = 0;
    for(int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if(segment->p_type == PT_DYNAMIC)
            dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + segment->p_vaddr);
        if(segment->p_type == PT_GNU_RELRO) {
            relro_start = info->dlpi_addr + segment->p_vaddr;
            relro_end = relro_start + segment->p_memsz;
        }
    }
    if(!dynamic)
        return;
    const ElfW(Rela) *relocations = NULL;
    size_t relocations_size = 0;
    const ElfW(Sym) *symbols = NULL;
    const char *strings = NULL;
    for(const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        if(entry->d_tag == DT_JMPREL)
            relocations = (const ElfW(Rela) *)dynamic_address(info, entry->d_un.d_ptr);
        else if(entry->d_tag == DT_PLTRELSZ)
            relocations_size = entry->d_un.d_val;
        else if(entry->d_tag == DT_SYMTAB)
            symbols = (const ElfW(Sym) *)dynamic_address(info, entry->d_un.d_ptr);
        else if(entry->d_tag == DT_STRTAB)
            strings = (const char *)dynamic_address(info, entry->d_un.d_ptr);
    }
    if(!relocations || !symbols || !strings)
        return;
    for(size_t i = 0; i < relocations_size / sizeof(*relocations); i++) {
        const ElfW(Rela) *relocation = &relocations[i];
        if(ELF64_R_TYPE(relocation->r_info) != R_X86_64_JUMP_SLOT ||
           strcmp(strings + symbols[ELF64_R_SYM(relocation->r_info)].st_name, "curl_easy_setopt"))
            continue;
        void **slot = (void **)(info->dlpi_addr + relocation->r_offset);
        if(*slot != (void *)floor_easy_setopt)
            return;
        bool read_only = (uintptr_t)slot >= relro_start && (uintptr_t)slot < relro_end;
        uintptr_t page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        void *page = (void *)((uintptr_t)slot & ~(page_size - 1));
        if(read_only && mprotect(page, page_size, PROT_READ | PROT_WRITE))
            return;
        __atomic_store_n(slot, (void *)bound_easy_setopt, __ATOMIC_RELEASE);
        if(read_only)
            mprotect(page, page_size, PROT_READ);
        return;
    }
}
#endif

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct span_search *search = data;
    uintptr_t low = UINTPTR_MAX, high = 0;
    for(int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if(segment->p_type != PT_LOAD)
            continue;
        uintptr_t start = info->dlpi_addr + segment->p_vaddr;
        if(start < low)
            low = start;
        if(start + segment->p_memsz > high)
            high = start + segment->p_memsz;
    }
    if(search->address < low || search->address >= high)
        return 0;
    search->found.start = low;
    search->found.end = high;
#ifdef SETTLES_SLOTS
    settle_setopt_slot(info);
#endif
    return 1;
}

/* Once per caller object and thread: spans are leaked on purpose, as the library's are. */
__attribute__((noinline)) static const struct table *table_for(const void *caller)
{
    pthread_once(&table_once, bind_table);
    struct span_search search = {.address = (uintptr_t)caller};
    if(!dl_iterate_phdr(find_object, &search))
        return &the_table;
    struct span *span = malloc(sizeof(*span));
    if(!span)
        return &the_table;
    *span = (struct span){search.found.start, search.found.end, &the_table, the_table.easy_setopt};
    last_span = span;
    return &the_table;
}

static inline const struct table *table_of(const void *caller)
{
    const struct span *last = last_span;
    if(__builtin_expect((uintptr_t)caller >= last->start && (uintptr_t)caller < last->end, 1))
        return last->table;
    return table_for(caller);
}
#endif
#define TABLE() table_of(__builtin_return_address(0))

#ifdef FLOOR_GATE
/* What a handle's program set, found again by handle. */
struct record {
    CURL *handle;
    struct record *next;
    curl_write_callback write_fn, header_fn;
    void *write_data, *header_data;
    bool write_data_set, decided;
};

#define BUCKETS 256
static struct record *buckets[BUCKETS];
/* Records of cleaned-up handles, for the next: no allocation per transfer once warm. */
static struct record *spare;
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long removals;
static __thread struct {
    CURL *handle;
    struct record *record;
    unsigned long removals;
} last_record;

static size_t bucket_of(CURL *handle)
{
    return ((uintptr_t)handle >> 4) % BUCKETS;
}

static size_t forward_body(char *data, size_t size, size_t count, void *opaque)
{
    struct record *record = opaque;
    if(record->write_fn)
        return record->write_fn(data, size, count, record->write_data);
    return fwrite(data, size, count, record->write_data_set ? record->write_data : stdout);
}

static size_t forward_header(char *data, size_t size, size_t count, void *opaque)
{
    struct record *record = opaque;
    if(!record->decided && size * count > 9 && memcmp(data, "HTTP/", 5) == 0)
        record->decided = true; /* the one glance a gate needs: the status line */
    if(record->header_fn)
        return record->header_fn(data, size, count, record->header_data);
    return size * count;
}

/* NULL when out of memory: the option then goes to libcurl as it came. */
static struct record *record_find_or_add(const struct table *table, CURL *handle)
{
    if(last_record.handle == handle &&
       last_record.removals == __atomic_load_n(&removals, __ATOMIC_ACQUIRE))
        return last_record.record;
    pthread_mutex_lock(&records_lock);
    struct record **slot = &buckets[bucket_of(handle)], *record = *slot;
    while(record && record->handle != handle)
        record = record->next;
    bool added = false;
    if(!record && (record = spare ? spare : malloc(sizeof(*record)))) {
        if(record == spare)
            spare = record->next;
        *record = (struct record){.handle = handle};
        record->next = *slot;
        *slot = record;
        added = true;
    }
    last_record.handle = handle;
    last_record.record = record;
    last_record.removals = removals;
    pthread_mutex_unlock(&records_lock);
    if(added) {
        table->easy_setopt(handle, CURLOPT_WRITEFUNCTION, forward_body);
        table->easy_setopt(handle, CURLOPT_WRITEDATA, record);
        table->easy_setopt(handle, CURLOPT_HEADERFUNCTION, forward_header);
        table->easy_setopt(handle, CURLOPT_HEADERDATA, record);
    }
    return record;
}

static void record_remove(CURL *handle)
{
    pthread_mutex_lock(&records_lock);
    struct record **slot = &buckets[bucket_of(handle)];
    while(*slot && (*slot)->handle != handle)
        slot = &(*slot)->next;
    struct record *record = *slot;
    if(record) {
        *slot = record->next;
        __atomic_store_n(&removals, removals + 1, __ATOMIC_RELEASE);
        record->next = spare;
        spare = record;
    }
    pthread_mutex_unlock(&records_lock);
}

static bool is_write_side(int option)
{
    return option == CURLOPT_WRITEFUNCTION || option == CURLOPT_WRITEDATA ||
           option == CURLOPT_HEADERFUNCTION || option == CURLOPT_HEADERDATA;
}

/* Four options of the ~90 a transfer sets: one byte each, as the library's table is. */
static const unsigned char noted[1024] = {
    [CURLOPT_WRITEFUNCTION & 1023] = 1,
    [CURLOPT_WRITEDATA & 1023] = 1,
    [CURLOPT_HEADERFUNCTION & 1023] = 1,
    [CURLOPT_HEADERDATA & 1023] = 1,
};

__attribute__((noinline)) static CURLcode set_noted(CURL *handle, CURLoption option, uint64_t word,
                                                    const void *caller)
{
    const struct table *table = table_of(caller);
    if(!is_write_side(option) || !handle)
        return table->easy_setopt(handle, option, word);
    struct record *record = record_find_or_add(table, handle);
    if(!record)
        return table->easy_setopt(handle, option, word);
    switch(option) {
    case CURLOPT_WRITEFUNCTION:
        record->write_fn = (curl_write_callback)(uintptr_t)word;
        break;
    case CURLOPT_WRITEDATA:
        record->write_data = (void *)(uintptr_t)word;
        record->write_data_set = true;
        break;
    case CURLOPT_HEADERFUNCTION:
        record->header_fn = (curl_write_callback)(uintptr_t)word;
        break;
    default:
        record->header_data = (void *)(uintptr_t)word;
        break;
    }
    return CURLE_OK;
}
#define NOTED(option) noted[(unsigned)(option)&1023]
#else
#define NOTED(option) 0
/* Out of line, as the library's is, so that the common path saves no registers. */
__attribute__((noinline)) static CURLcode set_noted(CURL *handle, CURLoption option, uint64_t word,
                                                    const void *caller)
{
    return table_of(caller)->easy_setopt(handle, option, word);
}
#endif

#ifdef SETTLES_SLOTS
/* Where a settled slot leads: the one libcurl's, so no check of the caller. */
static CURLcode bound_easy_setopt(CURL *handle, CURLoption option, uint64_t word)
{
    if(__builtin_expect(!NOTED(option), 1))
        return the_table.easy_setopt(handle, option, word);
    return set_noted(handle, option, word, __builtin_return_address(0));
}
#endif

EXPORT CURLcode floor_easy_setopt(CURL *handle, CURLoption option, uint64_t word)
{
    const void *caller = __builtin_return_address(0);
#ifdef FLOOR_BARE
    if(__builtin_expect(!NOTED(option), 1))
        return the_table.easy_setopt(handle, option, word);
#else
    const struct span *last = last_span;
    if(__builtin_expect(!NOTED(option), 1) && (uintptr_t)caller >= last->start &&
       (uintptr_t)caller < last->end)
        return last->easy_setopt(handle, option, word);
#endif
    return set_noted(handle, option, word, caller);
}

EXPORT void curl_easy_cleanup(CURL *handle)
{
#ifdef FLOOR_GATE
    if(handle)
        record_remove(handle);
#endif
    TABLE()->easy_cleanup(handle);
}

EXPORT CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle)
{
#ifdef FLOOR_GATE
    if(last_record.handle == handle && last_record.record)
        last_record.record->decided = false; /* a new transfer: its status line to come */
#endif
    return TABLE()->multi_add_handle(multi, handle);
}

EXPORT CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle)
{
    return TABLE()->multi_remove_handle(multi, handle);
}

EXPORT CURLMcode curl_multi_perform(CURLM *multi, int *running)
{
    return TABLE()->multi_perform(multi, running);
}

EXPORT CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned count,
                                 int timeout_ms, int *ready)
{
    return TABLE()->multi_poll(multi, extra, count, timeout_ms, ready);
}

EXPORT CURLMcode curl_multi_wait(CURLM *multi, struct curl_waitfd extra[], unsigned count,
                                 int timeout_ms, int *ready)
{
    return TABLE()->multi_wait(multi, extra, count, timeout_ms, ready);
}

EXPORT CURLMcode curl_multi_timeout(CURLM *multi, long *timeout_ms)
{
    return TABLE()->multi_timeout(multi, timeout_ms);
}

EXPORT CURLMsg *curl_multi_info_read(CURLM *multi, int *messages_left)
{
    return TABLE()->multi_info_read(multi, messages_left);
}
