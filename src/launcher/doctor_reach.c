/* Reads files only, never runs the program: git's helpers sit in its exec-path, PHP's
   extension and ini directories are compiled into the php binary as strings. */
#include "doctor_reach.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const char *libcurl_needed(const struct elf_facts *facts)
{
    for(int i = 0; i < facts->needed_count; i++) {
        if(!strncmp(facts->needed[i], "libcurl", 7))
            return facts->needed[i];
    }
    return NULL;
}

/* "links libcurl-gnutls.so.4 and uses libcurl's multi interface: those transfers are retried" */
static void describe_curl_user(const struct elf_facts *facts, const char *what, FILE *out,
                               struct reach_findings *found)
{
    const char *library = libcurl_needed(facts);
    fprintf(out, "  %s links %s", what, library ? library : "no libcurl");
    if(facts->imports_easy_perform)
        fprintf(out, " and calls curl_easy_perform%s: those transfers are retried\n",
                facts->imports_multi ? " and libcurl's multi interface" : "");
    else if(facts->imports_multi)
        fprintf(out, " and uses libcurl's multi interface: those transfers are retried\n");
    else
        fprintf(out, "\n");
    found->easy = found->easy || facts->imports_easy_perform;
    found->multi = found->multi || facts->imports_multi;
}

/* ---- git ---- */

static bool find_git_helper_dir(const char *git_path, char *out, size_t size)
{
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof(prefix), "%s", git_path);
    for(int up = 0; up < 2; up++) {
        char *slash = strrchr(prefix, '/');
        if(slash)
            *slash = '\0';
    }
    const char *const dirs[] = {"/lib/git-core", "/libexec/git-core"};
    for(int i = 0; i < 2; i++) {
        snprintf(out, size, "%s%s", prefix, dirs[i]);
        char helper[PATH_MAX + 32];
        snprintf(helper, sizeof(helper), "%.*s/git-remote-https", PATH_MAX, out);
        if(access(helper, X_OK) == 0)
            return true;
    }
    return false;
}

static void follow_git(const char *path, FILE *out, struct reach_findings *found)
{
    char dir[PATH_MAX];
    if(!find_git_helper_dir(path, dir, sizeof(dir))) {
        fprintf(out, "  git's HTTP(S) helpers (git-remote-http, git-remote-https) were not "
                     "found next to it\n");
        return;
    }
    struct elf_facts *facts = malloc(sizeof(*facts));
    if(!facts)
        return;
    static const char *const helpers[] = {"git-remote-http", "git-remote-https"};
    for(int i = 0; i < 2; i++) {
        char helper[PATH_MAX + 32];
        snprintf(helper, sizeof(helper), "%s/%s", dir, helpers[i]);
        if(!doctor_read_facts(helper, facts))
            continue;
        char what[PATH_MAX + 64];
        snprintf(what, sizeof(what), "its HTTP(S) runs in %s, which", helper);
        describe_curl_user(facts, what, out, found);
    }
    free(facts);
}

/* ---- PHP ---- */

/* Calls each NUL-terminated text in the file that starts with '/' and contains needle. */
static void each_path_string(const char *path, const char *needle,
                             void (*take)(const char *text, void *ctx), void *ctx)
{
    FILE *file = fopen(path, "rb");
    if(!file)
        return;
    char text[PATH_MAX];
    size_t length = 0;
    int c;
    while((c = fgetc(file)) != EOF) {
        if(c != '\0' && length < sizeof(text) - 1) {
            text[length++] = (char)c;
            continue;
        }
        text[length] = '\0';
        if(c == '\0' && length > 1 && text[0] == '/' && strstr(text, needle))
            take(text, ctx);
        length = c == '\0' ? 0 : sizeof(text); /* an over-long text is skipped to its end */
        if(length == sizeof(text) && c != '\0')
            length = sizeof(text) - 1;
    }
    fclose(file);
}

struct php_dirs {
    char extension_dir[PATH_MAX];
    char ini_dirs[4][PATH_MAX];
    int ini_dir_count;
};

static void take_php_dir(const char *text, void *ctx)
{
    struct php_dirs *dirs = ctx;
    char candidate[PATH_MAX + 16];
    snprintf(candidate, sizeof(candidate), "%s/curl.so", text);
    if(!dirs->extension_dir[0] && access(candidate, R_OK) == 0)
        snprintf(dirs->extension_dir, sizeof(dirs->extension_dir), "%s", text);
    size_t length = strlen(text);
    if(length > 7 && !strcmp(text + length - 7, "/conf.d") && dirs->ini_dir_count < 4)
        snprintf(dirs->ini_dirs[dirs->ini_dir_count++], PATH_MAX, "%s", text);
}

/* A line "extension=curl" (or curl.so, or a path to it), as Debian's 20-curl.ini has. */
static bool ini_enables_curl(const char *path)
{
    FILE *file = fopen(path, "r");
    if(!file)
        return false;
    char line[512];
    bool enabled = false;
    while(!enabled && fgets(line, sizeof(line), file)) {
        char *p = line + strspn(line, " \t");
        if(strncmp(p, "extension", 9) != 0)
            continue;
        p += 9 + strspn(p + 9, " \t");
        if(*p != '=')
            continue;
        p += 1 + strspn(p + 1, " \t\"");
        const char *name = base_name(p);
        enabled = !strncmp(name, "curl", 4) && strchr("\r\n\". \t", name[4]);
    }
    fclose(file);
    return enabled;
}

static bool find_curl_ini(const struct php_dirs *dirs, char *out, size_t size)
{
    for(int i = 0; i < dirs->ini_dir_count; i++) {
        DIR *dir = opendir(dirs->ini_dirs[i]);
        if(!dir)
            continue;
        struct dirent *entry;
        bool found = false;
        while(!found && (entry = readdir(dir))) {
            size_t length = strlen(entry->d_name);
            if(length < 4 || strcmp(entry->d_name + length - 4, ".ini"))
                continue;
            snprintf(out, size, "%s/%s", dirs->ini_dirs[i], entry->d_name);
            found = ini_enables_curl(out);
        }
        closedir(dir);
        if(found)
            return true;
        /* php.ini sits beside conf.d */
        snprintf(out, size, "%.*s/php.ini", (int)(strlen(dirs->ini_dirs[i]) - 7),
                 dirs->ini_dirs[i]);
        if(ini_enables_curl(out))
            return true;
    }
    return false;
}

static void follow_php(const char *path, FILE *out, struct reach_findings *found)
{
    struct php_dirs *dirs = calloc(1, sizeof(*dirs));
    if(!dirs)
        return;
    each_path_string(path, "php", take_php_dir, dirs);
    if(!dirs->extension_dir[0]) {
        fprintf(out, "  PHP's curl extension (curl.so) was not found in its extension "
                     "directory: install php-curl for curl_exec\n");
        free(dirs);
        return;
    }
    char ini[PATH_MAX * 2];
    bool enabled = find_curl_ini(dirs, ini, sizeof(ini));
    char extension[PATH_MAX + 16];
    snprintf(extension, sizeof(extension), "%s/curl.so", dirs->extension_dir);
    struct elf_facts *facts = malloc(sizeof(*facts));
    if(facts && doctor_read_facts(extension, facts)) {
        char what[PATH_MAX * 4];
        snprintf(what, sizeof(what),
                 "PHP's curl extension %s (%s%s; loaded with RTLD_DEEPBIND, which tryagain "
                 "clears), which",
                 extension, enabled ? "enabled in " : "not enabled in any ini file",
                 enabled ? ini : "");
        struct reach_findings extension_found = {false, false};
        describe_curl_user(facts, what, out, &extension_found);
        found->easy = found->easy || (enabled && extension_found.easy);
        found->multi = found->multi || extension_found.multi;
    }
    free(facts);
    free(dirs);
}

static bool is_php(const char *path)
{
    const char *name = base_name(path);
    return !strncmp(name, "php", 3) && (name[3] == '\0' || strchr("0123456789.-", name[3]));
}

void doctor_reach_follow(const char *path, const struct elf_facts *program, FILE *out,
                         struct reach_findings *found)
{
    char real[PATH_MAX];
    if(!realpath(path, real))
        snprintf(real, sizeof(real), "%s", path);
    if(!strcmp(base_name(path), "git") || !strcmp(base_name(real), "git"))
        follow_git(real, out, found);
    else if(is_php(path) || is_php(real))
        follow_php(real, out, found);
    if(program->imports_dlopen && program->names_libcurl_soname && !libcurl_needed(program)) {
        fprintf(out, "  names libcurl and loads libraries at run time (dlopen): the transfers of "
                     "a libcurl it loads that way are retried\n");
        found->easy = true;
    }
}
