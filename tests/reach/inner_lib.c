/* Loaded from inside a DEEPBIND group (deep_lib.c's deep_nested), or by a program that links
   the other libcurl flavour (two_flavours.c): it links libcurl itself. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    char *body = userdata;
    size_t length = size * count;
    size_t used = strlen(body);
    size_t room = 4095 - used;
    size_t kept = length < room ? length : room;
    memcpy(body + used, data, kept);
    body[used + kept] = '\0';
    return length;
}

int inner_fetch(const char *url)
{
    CURL *handle = curl_easy_init();
    char body[4096] = "";
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, body);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(handle);
    printf("inner status=%ld body=%s\n", status, body);
    fflush(stdout);
    return (int)code;
}

/* What this library's libcurl says to an option only the OpenSSL flavour has: tells which
   libcurl a curl_easy_setopt call really reached. */
int inner_ssl_ctx_probe(void)
{
    CURL *handle = curl_easy_init();
    CURLcode code = curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, NULL);
    curl_easy_cleanup(handle);
    return (int)code;
}

/* The name tests/tools/dlopen_curl's "plugin" mode calls. */
int plugin_fetch(const char *url)
{
    return inner_fetch(url);
}
