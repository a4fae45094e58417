/* Gathers facts the way the dynamic loader would (the program, then the libraries it names)
   and turns them into a verdict. Only the program's direct libraries are read: deeper ones are
   the plumbing of those libraries and would only add noise. */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor_reach.h"
#include "elf_facts.h"
#include "flags.h"

enum verdict { CAN_HELP = 0, CANNOT_HELP = 1, NOT_READABLE = 2 };

/* What the verdict line adds after "tryagain can help": which transfers are retried. */
static char verdict_detail[256];

#define SCRIPT_DEPTH_MAX 4 /* Linux follows at most this many nested #! interpreters */

struct mapped_file {
    const unsigned char *image;
    size_t size;
};

static bool map_file(const char *path, struct mapped_file *file)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if(fd < 0)
        return false;
    struct stat info;
    bool ok = fstat(fd, &info) == 0 && info.st_size > 0;
    void *image = MAP_FAILED;
    if(ok)
        image = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if(image == MAP_FAILED)
        return false;
    file->image = image;
    file->size = (size_t)info.st_size;
    return true;
}

static void unmap_file(struct mapped_file *file)
{
    munmap((void *)file->image, file->size);
}

bool doctor_read_facts(const char *path, struct elf_facts *facts)
{
    struct mapped_file file;
    if(!map_file(path, &file))
        return false;
    bool ok = elf_facts_read(file.image, file.size, facts);
    unmap_file(&file);
    return ok;
}

static bool is_executable_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode) && access(path, X_OK) == 0;
}

/* Like execvp's search: a name with a slash is a path, any other is looked up in PATH. */
static bool resolve_program(const char *name, char *out, size_t size)
{
    if(strchr(name, '/'))
        return (size_t)snprintf(out, size, "%s", name) < size;
    const char *path = getenv("PATH");
    if(!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while(*path) {
        size_t len = strcspn(path, ":");
        const char *dir = len ? path : ".";
        int dir_len = len ? (int)len : 1;
        if((size_t)snprintf(out, size, "%.*s/%s", dir_len, dir, name) < size &&
           is_executable_file(out))
            return true;
        path += len;
        if(*path)
            path++;
    }
    return false;
}

/* ---- libraries ---- */

static const char *multiarch_triple(int machine)
{
    switch(machine) {
    case 62:
        return "x86_64-linux-gnu";
    case 183:
        return "aarch64-linux-gnu";
    case 3:
        return "i386-linux-gnu";
    case 40:
        return "arm-linux-gnueabihf";
    case 243:
        return "riscv64-linux-gnu";
    case 21:
        return "powerpc64le-linux-gnu";
    case 22:
        return "s390x-linux-gnu";
    default:
        return NULL;
    }
}

/* Tries dir/name, with $ORIGIN in dir standing for the program's directory. */
static bool try_library_dir(const char *dir, size_t dir_len, const char *origin, const char *name,
                            char *out, size_t size)
{
    char expanded[PATH_MAX];
    if(dir_len >= 7 && !strncmp(dir, "$ORIGIN", 7))
        snprintf(expanded, sizeof(expanded), "%s%.*s", origin, (int)(dir_len - 7), dir + 7);
    else if(dir_len >= 9 && !strncmp(dir, "${ORIGIN}", 9))
        snprintf(expanded, sizeof(expanded), "%s%.*s", origin, (int)(dir_len - 9), dir + 9);
    else
        snprintf(expanded, sizeof(expanded), "%.*s", (int)dir_len, dir);
    return (size_t)snprintf(out, size, "%s/%s", expanded, name) < size && access(out, R_OK) == 0;
}

/* The program's own search path first, then the usual system directories (a good enough
   stand-in for ld.so.cache when all we want is to read the library). */
static bool find_library(const struct elf_facts *program, const char *origin, const char *name,
                         char *out, size_t size)
{
    for(const char *p = program->search_path; *p;) {
        size_t len = strcspn(p, ":");
        if(len && try_library_dir(p, len, origin, name, out, size))
            return true;
        p += len;
        if(*p)
            p++;
    }
    const char *triple = multiarch_triple(program->machine);
    const char *roots[] = {"/lib", "/usr/lib", "/usr/local/lib"};
    for(size_t i = 0; i < 3 && triple; i++) {
        char dir[128];
        snprintf(dir, sizeof(dir), "%s/%s", roots[i], triple);
        if(try_library_dir(dir, strlen(dir), origin, name, out, size))
            return true;
    }
    const char *plain[] = {"/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"};
    for(size_t i = program->bits == 64 ? 0 : 2; i < 5; i++) {
        if(try_library_dir(plain[i], strlen(plain[i]), origin, name, out, size))
            return true;
    }
    return false;
}

static const char *curl_flavour(const char *library)
{
    if(!strcmp(library, "libcurl.so.4"))
        return "the OpenSSL flavour on Debian and Ubuntu";
    if(!strcmp(library, "libcurl-gnutls.so.4"))
        return "the GnuTLS flavour";
    if(!strcmp(library, "libcurl-nss.so.4"))
        return "the NSS flavour";
    if(!strncmp(library, "libcurl", 7))
        return "an unusual build";
    return NULL;
}

/* Libraries whose connect() calls reach local system services, not the program's peers. */
static bool is_plumbing_library(const char *library)
{
    static const char *const prefixes[] = {"libc.so",   "libselinux.", "libsystemd.",
                                           "libaudit.", "libdbus-",    "libcurl"};
    for(size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if(!strncmp(library, prefixes[i], strlen(prefixes[i])))
            return true;
    }
    return false;
}

/* Client libraries that connect non-blocking: only listed servers are waited for there. */
struct nonblocking_library {
    const char *prefix; /* of the soname, or of the program's own name */
    const char *what;
    const char *example;
};

static const struct nonblocking_library nonblocking_libraries[] = {
    {"libpq.", "libpq (PostgreSQL)", "--wait-for db:5432 (or /run/postgresql/.s.PGSQL.5432)"},
    {"libhiredis.", "hiredis (Redis)", "--wait-for cache:6379"},
    {"libuv.", "libuv (node and other event loops)", "--wait-for api:8080"},
    {"libmariadb.", "libmariadb (MariaDB, MySQL)", "--wait-for db:3306"},
    {"libmysqlclient.", "libmysqlclient (MySQL)", "--wait-for db:3306"},
    {"libpython3", "CPython (sockets with a timeout, as requests, urllib3 and redis-py use)",
     "--wait-for db:5432,cache:6379"},
};

static const struct nonblocking_library *nonblocking_library_of(const char *name)
{
    for(size_t i = 0; i < sizeof(nonblocking_libraries) / sizeof(nonblocking_libraries[0]); i++) {
        if(!strncmp(name, nonblocking_libraries[i].prefix, strlen(nonblocking_libraries[i].prefix)))
            return &nonblocking_libraries[i];
    }
    return NULL;
}

/* What the program and its direct libraries do, and through which library ("" = itself). */
struct findings {
    const struct nonblocking_library *nonblocking;
    char curl_library[ELF_NAME_MAX];
    char curl_via[ELF_NAME_MAX];
    bool easy, multi, connect, dlopen, symbols_known;
    char easy_via[ELF_NAME_MAX], multi_via[ELF_NAME_MAX], connect_via[ELF_NAME_MAX];
};

static void note_first(bool *seen, char *via, const char *object)
{
    if(*seen)
        return;
    *seen = true;
    snprintf(via, ELF_NAME_MAX, "%s", object);
}

static void note_curl_library(struct findings *found, const struct elf_facts *facts,
                              const char *object)
{
    for(int i = 0; i < facts->needed_count && !found->curl_library[0]; i++) {
        if(curl_flavour(facts->needed[i])) {
            snprintf(found->curl_library, sizeof(found->curl_library), "%s", facts->needed[i]);
            snprintf(found->curl_via, sizeof(found->curl_via), "%s", object);
        }
    }
}

/* object is "" for the program itself, else the library's name. */
static void note_object(struct findings *found, const struct elf_facts *facts, const char *object)
{
    note_curl_library(found, facts, object);
    for(int i = 0; i < facts->needed_count && !found->nonblocking; i++)
        found->nonblocking = nonblocking_library_of(facts->needed[i]);
    if(facts->imports_easy_perform)
        note_first(&found->easy, found->easy_via, object);
    if(facts->imports_multi)
        note_first(&found->multi, found->multi_via, object);
    if(facts->imports_connect && !is_plumbing_library(object))
        note_first(&found->connect, found->connect_via, object);
}

static void gather_libraries(const struct elf_facts *program, const char *program_path,
                             struct findings *found, FILE *out)
{
    char origin[PATH_MAX];
    snprintf(origin, sizeof(origin), "%s", program_path);
    char *slash = strrchr(origin, '/');
    if(slash)
        *slash = '\0';
    struct elf_facts *library = malloc(sizeof(*library));
    if(!library)
        return;
    for(int i = 0; i < program->needed_count; i++) {
        const char *name = program->needed[i];
        char path[PATH_MAX];
        if(curl_flavour(name))
            continue; /* libcurl's own imports say nothing about the program */
        if(!find_library(program, origin, name, path, sizeof(path)) ||
           !doctor_read_facts(path, library)) {
            fprintf(out, "  note: could not find %s to look inside it\n", name);
            continue;
        }
        note_object(found, library, name);
    }
    free(library);
}

/* ---- the report ---- */

static void describe_via(FILE *out, const char *via)
{
    if(via[0])
        fprintf(out, " (through %s)", via);
}

static void report_curl(const struct findings *found, const struct elf_facts *program, FILE *out)
{
    if(!found->curl_library[0]) {
        if(program->mentions_libcurl)
            fprintf(out, "  it seems to contain its own copy of libcurl (linked statically): "
                         "tryagain cannot reach those transfers\n");
        else
            fprintf(out, "  it does not link libcurl itself\n");
        return;
    }
    fprintf(out, "  links %s (%s)", found->curl_library, curl_flavour(found->curl_library));
    describe_via(out, found->curl_via);
    fputc('\n', out);
    if(found->easy) {
        fprintf(out, "  calls curl_easy_perform");
        describe_via(out, found->easy_via);
        fprintf(out, ": failed transfers are retried\n");
    }
    if(found->multi)
        fprintf(out,
                "  %s libcurl's multi interface (curl_multi_*): transfers made that way are "
                "retried too\n",
                found->easy ? "also uses" : "uses");
    if(!found->easy && !found->multi && !found->symbols_known)
        fprintf(out, "  its symbol table could not be read, so which libcurl calls it makes is "
                     "unknown\n");
}

static void report_connect(const struct findings *found, FILE *out)
{
    if(found->nonblocking) {
        fprintf(out,
                "  connects through %s, which connects non-blocking: only servers you name "
                "are waited for, e.g. %s\n",
                found->nonblocking->what, found->nonblocking->example);
    }
    if(found->connect) {
        fprintf(out, "  calls connect()");
        describe_via(out, found->connect_via);
        fprintf(out, ": blocking connections wait a moment for a server that is not up yet; "
                     "name the servers to wait for with --wait-for (host:port, address:port "
                     "or a socket path)\n");
    }
    else if(found->dlopen) {
        fprintf(out, "  loads libraries at run time (dlopen): if it loads libcurl that way, as "
                     "PHP or Python's pycurl do, its transfers are retried too\n");
    }
}

/* What preloading cannot reach in this program, named plainly. */
static void report_out_of_reach(const struct findings *found, const struct elf_facts *program,
                                FILE *out)
{
    char items[512] = "";
    if(!found->curl_library[0] && program->mentions_libcurl)
        strcat(items, ", its statically linked libcurl");
    if(program->imports_dlmopen)
        strcat(items, ", libraries it loads with dlmopen into namespaces of their own");
    if(items[0])
        fprintf(out, "  out of reach: %s\n", items + 2);
}

static enum verdict report_dynamic_program(const char *path, const struct elf_facts *program,
                                           FILE *out)
{
    fprintf(out, "%s: dynamically linked (interpreter %s): LD_PRELOAD applies\n", path,
            program->interpreter[0] ? program->interpreter : "unknown");
    struct findings found;
    memset(&found, 0, sizeof(found));
    found.symbols_known = program->has_symbols;
    found.dlopen = program->imports_dlopen;
    note_object(&found, program, "");
    /* Programs that carry the library inside them, known by name. */
    static const char *const carriers[][2] = {
        {"python3", "libpython3"}, {"node", "libuv."}, {"redis-", "libhiredis."}};
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for(size_t i = 0; i < 3 && !found.nonblocking; i++) {
        if(!strncmp(base, carriers[i][0], strlen(carriers[i][0])))
            found.nonblocking = nonblocking_library_of(carriers[i][1]);
    }
    gather_libraries(program, path, &found, out);
    report_curl(&found, program, out);
    report_connect(&found, out);
    struct reach_findings reached = {false, false};
    doctor_reach_follow(path, program, out, &reached);
    report_out_of_reach(&found, program, out);
    bool easy = found.easy || reached.easy || found.multi || reached.multi;
    snprintf(verdict_detail, sizeof(verdict_detail), " (retried: %s%s%s)",
             easy ? "libcurl transfers" : "", easy && found.connect ? ", " : "",
             found.connect ? "connect() calls" : "");
    if(easy || found.connect)
        return CAN_HELP;
    fprintf(out, "  it neither calls libcurl's transfers nor connect(): nothing for tryagain to "
                 "retry\n");
    return CANNOT_HELP;
}

static enum verdict report_elf(const char *path, const struct elf_facts *program, FILE *out)
{
    if(program->is_go) {
        fprintf(out,
                "%s: a Go program: Go makes its own system calls instead of calling libc's "
                "connect() or libcurl, so tryagain cannot reach it\n",
                path);
        return CANNOT_HELP;
    }
    if(!program->has_interpreter) {
        fprintf(out,
                "%s: statically linked (no program interpreter): the dynamic loader never "
                "runs, so LD_PRELOAD has no effect\n",
                path);
        if(program->mentions_libcurl)
            fprintf(out, "  it seems to contain its own copy of libcurl\n");
        return CANNOT_HELP;
    }
    return report_dynamic_program(path, program, out);
}

/* The loader ignores LD_PRELOAD in secure-execution mode: when the program runs with rights
   other than the user's. Only a user who owns it would escape that, and such a user needs no
   setuid bit: the verdict stays "cannot help", with the way out named. */
static bool report_set_id_bits(const char *path, const struct stat *info, FILE *out)
{
    bool setuid = (info->st_mode & S_ISUID) != 0;
    bool setgid = (info->st_mode & S_ISGID) != 0 && (info->st_mode & S_IXGRP);
    if(!setuid && !setgid)
        return false;
    fprintf(out,
            "%s: %s (owner uid %ld, group gid %ld): the loader ignores LD_PRELOAD when it "
            "runs with another user's or group's rights; use a copy without the bit\n",
            path,
            setuid && setgid ? "setuid and setgid"
            : setuid         ? "setuid"
                             : "setgid",
            (long)info->st_uid, (long)info->st_gid);
    return true;
}

static enum verdict examine(const char *path, int depth, FILE *out);

/* "#!/usr/bin/env python3 -u" or "#!/bin/sh -e": the kernel runs the interpreter, and the
   interpreter is what the loader sees. */
static enum verdict examine_script(const char *path, const struct mapped_file *file, int depth,
                                   FILE *out)
{
    size_t line_len = 2;
    while(line_len < file->size && line_len < 256 && file->image[line_len] != '\n')
        line_len++;
    char line[260];
    memcpy(line, file->image + 2, line_len - 2);
    line[line_len - 2] = '\0';
    char *interpreter = line + strspn(line, " \t");
    char *end = interpreter + strcspn(interpreter, " \t\r");
    char *argument = *end ? end + 1 + strspn(end + 1, " \t") : end;
    *end = '\0';
    argument[strcspn(argument, " \t\r")] = '\0';
    if(!*interpreter) {
        fprintf(out, "%s: a script with an empty #! line\n", path);
        return CANNOT_HELP;
    }
    fprintf(out, "%s: a script run by %s%s%s\n", path, interpreter, *argument ? " " : "", argument);
    fprintf(out, "  the programs it starts inherit LD_PRELOAD too: ask tryagain doctor about "
                 "the ones that use the network\n");
    const char *base = strrchr(interpreter, '/');
    char resolved[PATH_MAX];
    const char *next = interpreter;
    if(base && !strcmp(base, "/env") && *argument && argument[0] != '-') {
        if(!resolve_program(argument, resolved, sizeof(resolved))) {
            fprintf(out, "%s: not found in PATH\n", argument);
            return NOT_READABLE;
        }
        next = resolved;
    }
    if(depth >= SCRIPT_DEPTH_MAX) {
        fprintf(out, "%s: too many nested #! interpreters\n", path);
        return CANNOT_HELP;
    }
    return examine(next, depth + 1, out);
}

static enum verdict examine_file(const char *path, const struct mapped_file *file, int depth,
                                 FILE *out)
{
    if(file->size >= 2 && file->image[0] == '#' && file->image[1] == '!')
        return examine_script(path, file, depth, out);
    struct elf_facts *facts = malloc(sizeof(*facts));
    if(!facts)
        return NOT_READABLE;
    enum verdict verdict;
    if(elf_facts_read(file->image, file->size, facts)) {
        verdict = report_elf(path, facts, out);
    }
    else {
        fprintf(out,
                "%s: neither an ELF program nor a #! script: nothing tryagain can work "
                "with\n",
                path);
        verdict = CANNOT_HELP;
    }
    free(facts);
    return verdict;
}

static enum verdict examine(const char *path, int depth, FILE *out)
{
    struct stat info;
    if(stat(path, &info) != 0) {
        fprintf(out, "%s: %s\n", path, strerror(errno));
        return NOT_READABLE;
    }
    if(!S_ISREG(info.st_mode)) {
        fprintf(out, "%s: not a regular file\n", path);
        return NOT_READABLE;
    }
    bool set_id = report_set_id_bits(path, &info, out);
    struct mapped_file file;
    if(!map_file(path, &file)) {
        fprintf(out, "%s: cannot read it: %s\n", path, strerror(errno));
        return NOT_READABLE;
    }
    enum verdict verdict = examine_file(path, &file, depth, out);
    unmap_file(&file);
    return set_id && verdict == CAN_HELP ? CANNOT_HELP : verdict;
}

int doctor_run(const char *program, FILE *out)
{
    char path[PATH_MAX];
    if(!resolve_program(program, path, sizeof(path))) {
        fprintf(stderr, "tryagain doctor: %s: command not found\n", program);
        return NOT_READABLE;
    }
    enum verdict verdict = examine(path, 0, out);
    if(verdict == CAN_HELP)
        fprintf(out, "verdict: tryagain can help: tryagain [options] %s ...%s\n", program,
                verdict_detail);
    else if(verdict == CANNOT_HELP)
        fprintf(out, "verdict: tryagain cannot help %s\n", program);
    return (int)verdict;
}
