/* Loads the test libraries of tests/reach/ the ways real programs do, and reports what it
   sees. It links neither libcurl nor the libraries it loads.

   dl_host fetch LIB URL deep|local    dlopen(LIB, RTLD_LAZY | RTLD_LOCAL [| RTLD_DEEPBIND]),
                                       then its deep_fetch(URL)
   dl_host connect LIB PORT            DEEPBIND, then deep_connect(PORT): a blocking connect()
   dl_host nested LIB INNER URL        DEEPBIND, then deep_nested(INNER, URL): a dlopen made
                                       from inside the group
   dl_host origin LIB deep|local       DEEPBIND or not, then origin_open(); then a $ORIGIN
                                       dlopen of its own
   dl_host errors LIBCURL OTHER        dlopen and dlsym failures and RTLD_NOLOAD, as text
   dl_host threads LIB URL N M OTHER deep|local
                                       N threads each make M transfers (URL/t/j) through LIB
                                       while the main thread dlopens and dlcloses OTHER and
                                       asks dlsym of it, until they are done

   Exits with the CURLcode of the transfer (or 90+ when loading fails). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *open_or_die(const char *library, int mode)
{
    void *handle = dlopen(library, mode);
    if(!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        exit(90);
    }
    return handle;
}

static void *symbol_or_die(void *handle, const char *name)
{
    void *found = dlsym(handle, name);
    if(!found) {
        fprintf(stderr, "dlsym %s: %s\n", name, dlerror());
        exit(91);
    }
    return found;
}

static int deep_or_local(const char *how)
{
    return !strcmp(how, "deep") ? RTLD_DEEPBIND : RTLD_LOCAL;
}

static int run_fetch(const char *library, const char *url, const char *how)
{
    int mode = RTLD_LAZY | RTLD_LOCAL | deep_or_local(how);
    int (*deep_fetch)(const char *);
    *(void **)&deep_fetch = symbol_or_die(open_or_die(library, mode), "deep_fetch");
    return deep_fetch(url);
}

static int run_connect(const char *library, const char *port)
{
    int (*deep_connect)(int);
    *(void **)&deep_connect =
        symbol_or_die(open_or_die(library, RTLD_NOW | RTLD_DEEPBIND), "deep_connect");
    return deep_connect(atoi(port));
}

static int run_nested(const char *library, const char *inner, const char *url)
{
    int (*deep_nested)(const char *, const char *);
    *(void **)&deep_nested =
        symbol_or_die(open_or_die(library, RTLD_NOW | RTLD_DEEPBIND), "deep_nested");
    return deep_nested(inner, url);
}

static int run_origin(const char *library, const char *how)
{
    void (*origin_open)(void);
    *(void **)&origin_open =
        symbol_or_die(open_or_die(library, RTLD_NOW | deep_or_local(how)), "origin_open");
    origin_open();
    /* This program lives in tests/tools/, the libraries in tests/reach/. */
    void *own = dlopen("$ORIGIN/../reach/origin/libreach_target.so", RTLD_NOW);
    printf("program $ORIGIN: %s\n", own ? "loaded" : dlerror());
    return 0;
}

static void say_error(const char *what, const void *result)
{
    const char *error = dlerror();
    printf("%s: %s, dlerror: %s\n", what, result ? "found" : "NULL", error ? error : "(none)");
}

static int run_errors(const char *libcurl, const char *other)
{
    say_error("dlopen missing path", dlopen("/nonexistent/libnothing.so", RTLD_NOW));
    say_error("dlopen missing name", dlopen("libnothing-at-all.so.9", RTLD_NOW));
    say_error("dlopen NOLOAD before", dlopen(libcurl, RTLD_NOW | RTLD_NOLOAD));
    void *curl = dlopen(libcurl, RTLD_NOW | RTLD_LOCAL);
    say_error("dlopen libcurl", curl);
    say_error("dlopen NOLOAD after", dlopen(libcurl, RTLD_NOW | RTLD_NOLOAD));
    printf("NOLOAD handle is the same: %s\n",
           dlopen(libcurl, RTLD_LAZY | RTLD_NOLOAD) == curl ? "yes" : "no");
    say_error("dlsym libcurl curl_easy_nothing", dlsym(curl, "curl_easy_nothing"));
    say_error("dlsym libcurl curl_easy_perform", dlsym(curl, "curl_easy_perform"));
    say_error("dlsym libcurl curl_easy_init", dlsym(curl, "curl_easy_init"));
    void *unrelated = dlopen(other, RTLD_NOW | RTLD_LOCAL);
    say_error("dlopen other", unrelated);
    say_error("dlsym other curl_easy_perform", dlsym(unrelated, "curl_easy_perform"));
    say_error("dlsym other connect", dlsym(unrelated, "connect"));
    say_error("dlsym default nothing", dlsym(RTLD_DEFAULT, "no_such_symbol_anywhere"));
    say_error("dlsym next nothing", dlsym(RTLD_NEXT, "no_such_symbol_anywhere"));
    say_error("dlsym with an error pending", (dlsym(curl, "nothing"), dlsym(curl, "curl_free")));
    const char *again = dlerror();
    printf("dlerror again: %s\n", again ? again : "(none)");
    return 0;
}

struct threads_run {
    int (*deep_fetch)(const char *);
    const char *url;
    int transfers;
    int index;
    atomic_int *failures;
};

static void *transfer_thread(void *argument)
{
    struct threads_run *run = argument;
    for(int j = 0; j < run->transfers; j++) {
        char url[512];
        snprintf(url, sizeof(url), "%s/t/%d/%d", run->url, run->index, j);
        if(run->deep_fetch(url) != 0)
            atomic_fetch_add(run->failures, 1);
    }
    return NULL;
}

static int run_threads(const char *library, const char *url, int threads, int transfers,
                       const char *other, const char *how)
{
    int (*deep_fetch)(const char *);
    *(void **)&deep_fetch =
        symbol_or_die(open_or_die(library, RTLD_LAZY | deep_or_local(how)), "deep_fetch");
    atomic_int failures = 0;
    pthread_t ids[64];
    struct threads_run runs[64];
    for(int t = 0; t < threads && t < 64; t++) {
        runs[t] = (struct threads_run){deep_fetch, url, transfers, t, &failures};
        pthread_create(&ids[t], NULL, transfer_thread, &runs[t]);
    }
    int loads = 0;
    for(int t = 0; t < threads && t < 64; t++) {
        while(pthread_tryjoin_np(ids[t], NULL) != 0) {
            void *handle = dlopen(other, RTLD_NOW | deep_or_local(how));
            if(!handle || !dlsym(handle, "curl_easy_perform") || !dlsym(handle, "deep_fetch"))
                atomic_fetch_add(&failures, 1);
            if(handle)
                dlclose(handle);
            loads++;
        }
    }
    fprintf(stderr, "dl_host: %d loads while the transfers ran\n", loads);
    printf("failures=%d\n", atomic_load(&failures));
    return atomic_load(&failures) ? 1 : 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if(argc == 5 && !strcmp(argv[1], "fetch"))
        return run_fetch(argv[2], argv[3], argv[4]);
    if(argc == 4 && !strcmp(argv[1], "connect"))
        return run_connect(argv[2], argv[3]);
    if(argc == 5 && !strcmp(argv[1], "nested"))
        return run_nested(argv[2], argv[3], argv[4]);
    if(argc == 4 && !strcmp(argv[1], "origin"))
        return run_origin(argv[2], argv[3]);
    if(argc == 4 && !strcmp(argv[1], "errors"))
        return run_errors(argv[2], argv[3]);
    if(argc == 8 && !strcmp(argv[1], "threads"))
        return run_threads(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argv[6], argv[7]);
    fprintf(stderr, "usage: dl_host fetch|connect|nested|origin|errors|threads ...\n");
    return 2;
}
