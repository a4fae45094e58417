/* Loads libcurl only after main() started, as pycurl, PHP and plugin hosts do, and performs
   one transfer of URL. It does not link libcurl.

   dlopen_curl global LIBRARY URL   dlopen(LIBRARY, RTLD_GLOBAL), then curl_easy_* found with
                                    dlsym(RTLD_DEFAULT): what a program linking it would get.
   dlopen_curl plugin PLUGIN URL    dlopen(PLUGIN, RTLD_LOCAL), a library that links libcurl
                                    itself, and calls its plugin_fetch(URL): libcurl is then
                                    reachable by name only.

   Prints "status=N body=TEXT" and exits with the CURLcode (or 90+ when loading fails). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The few libcurl types needed, so that this program needs no curl headers either. */
typedef void CURL;
enum { OPT_URL = 10002, OPT_WRITEFUNCTION = 20011, OPT_WRITEDATA = 10001 };
enum { INFO_RESPONSE_CODE = 0x200002 };

struct curl_api {
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
};

struct body {
    char data[4096];
    size_t length;
};

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    struct body *body = userdata;
    size_t length = size * count;
    size_t room = sizeof(body->data) - 1 - body->length;
    size_t kept = length < room ? length : room;
    memcpy(body->data + body->length, data, kept);
    body->length += kept;
    body->data[body->length] = '\0';
    return length;
}

static int bind_api(struct curl_api *api)
{
    *(void **)&api->easy_init = dlsym(RTLD_DEFAULT, "curl_easy_init");
    *(void **)&api->easy_setopt = dlsym(RTLD_DEFAULT, "curl_easy_setopt");
    *(void **)&api->easy_perform = dlsym(RTLD_DEFAULT, "curl_easy_perform");
    *(void **)&api->easy_getinfo = dlsym(RTLD_DEFAULT, "curl_easy_getinfo");
    *(void **)&api->easy_cleanup = dlsym(RTLD_DEFAULT, "curl_easy_cleanup");
    return api->easy_init && api->easy_setopt && api->easy_perform && api->easy_getinfo &&
           api->easy_cleanup;
}

static int fetch_through_global(const char *library, const char *url)
{
    if(!dlopen(library, RTLD_NOW | RTLD_GLOBAL)) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 90;
    }
    struct curl_api api;
    if(!bind_api(&api))
        return 91;
    CURL *handle = api.easy_init();
    struct body body = {0};
    api.easy_setopt(handle, OPT_URL, url);
    api.easy_setopt(handle, OPT_WRITEFUNCTION, collect);
    api.easy_setopt(handle, OPT_WRITEDATA, &body);
    int code = api.easy_perform(handle);
    long status = 0;
    api.easy_getinfo(handle, INFO_RESPONSE_CODE, &status);
    api.easy_cleanup(handle);
    printf("status=%ld body=%s\n", status, body.data);
    return code;
}

static int fetch_through_plugin(const char *plugin, const char *url)
{
    void *library = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
    if(!library) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 90;
    }
    int (*plugin_fetch)(const char *);
    *(void **)&plugin_fetch = dlsym(library, "plugin_fetch");
    if(!plugin_fetch)
        return 91;
    return plugin_fetch(url);
}

int main(int argc, char **argv)
{
    if(argc == 4 && !strcmp(argv[1], "global"))
        return fetch_through_global(argv[2], argv[3]);
    if(argc == 4 && !strcmp(argv[1], "plugin"))
        return fetch_through_plugin(argv[2], argv[3]);
    fprintf(stderr, "usage: dlopen_curl global|plugin LIBRARY URL\n");
    return 2;
}
