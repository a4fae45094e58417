/* A shared library that links libcurl and performs a transfer from its constructor, before
   the program's main() and possibly before anything else touched libcurl or tryagain: the
   hooks must bind, read their policy and retry there too. Also a plugin for
   tests/tools/dlopen_curl (plugin_fetch).

   The constructor fetches $STRESS_CTOR_URL when set and prints "constructor status=N body=TEXT"
   on stderr (stdout may not be set up the way the program wants yet). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static CURLcode fetch(const char *url, long *status, struct body *body)
{
    CURL *handle = curl_easy_init();
    if(!handle)
        return CURLE_FAILED_INIT;
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, body);
    CURLcode code = curl_easy_perform(handle);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(handle);
    return code;
}

__attribute__((visibility("default"))) int plugin_fetch(const char *url)
{
    struct body body = {0};
    long status = 0;
    CURLcode code = fetch(url, &status, &body);
    printf("status=%ld body=%s\n", status, body.data);
    return (int)code;
}

__attribute__((constructor)) static void fetch_before_main(void)
{
    const char *url = getenv("STRESS_CTOR_URL");
    if(!url)
        return;
    struct body body = {0};
    long status = 0;
    CURLcode code = fetch(url, &status, &body);
    fprintf(stderr, "constructor rc=%d status=%ld body=%s\n", (int)code, status, body.data);
}
