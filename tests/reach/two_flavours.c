/* Links the OpenSSL flavour of libcurl and loads a plugin (libinner_gnutls.so) that links the
   GnuTLS flavour, RTLD_LOCAL, as a program with a pycurl-like plugin would: each side's calls
   must reach its own libcurl.

   two_flavours PLUGIN URL_OWN URL_PLUGIN

   Prints what each libcurl says to CURLOPT_SSL_CTX_FUNCTION (only OpenSSL has it: 0, else 4,
   CURLE_NOT_BUILT_IN), then each side's transfer. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static size_t collect(char *data, size_t size, size_t count, void *userdata)
{
    char *body = userdata;
    size_t length = size * count;
    size_t used = strlen(body);
    size_t kept = length < 4095 - used ? length : 4095 - used;
    memcpy(body + used, data, kept);
    body[used + kept] = '\0';
    return length;
}

int main(int argc, char **argv)
{
    if(argc != 4) {
        fprintf(stderr, "usage: two_flavours PLUGIN URL_OWN URL_PLUGIN\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    void *plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if(!plugin) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 90;
    }
    int (*plugin_probe)(void);
    int (*plugin_fetch)(const char *);
    *(void **)&plugin_probe = dlsym(plugin, "inner_ssl_ctx_probe");
    *(void **)&plugin_fetch = dlsym(plugin, "inner_fetch");
    if(!plugin_probe || !plugin_fetch)
        return 91;

    CURL *handle = curl_easy_init();
    printf("own ssl_ctx=%d\n", (int)curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, NULL));
    printf("plugin ssl_ctx=%d\n", plugin_probe());

    char body[4096] = "";
    curl_easy_setopt(handle, CURLOPT_URL, argv[2]);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, body);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(handle);
    printf("own rc=%d status=%ld body=%s\n", (int)code, status, body);
    int plugin_code = plugin_fetch(argv[3]);
    return code != CURLE_OK ? (int)code : plugin_code;
}
