/* Success-path benchmark client: COUNT GET requests of one URL on one reused easy handle, so
   every request after the first goes over the same keep-alive connection. It knows nothing of
   tryagain. Prints "seconds=S requests=N connections=C" on stdout (S is the wall time of the
   request loop alone); exits 0 only when every request got HTTP 200.

     bench_keepalive URL [COUNT] */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard_body(char *data, size_t size, size_t count, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * count;
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if(argc < 2) {
        fprintf(stderr, "usage: %s URL [COUNT]\n", argv[0]);
        return 2;
    }
    long count = argc > 2 ? atol(argv[2]) : 10000;
    if(curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    CURL *handle = curl_easy_init();
    if(!handle)
        return 1;
    curl_easy_setopt(handle, CURLOPT_URL, argv[1]);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_body);

    long connections = 0;
    double started = now_seconds();
    for(long i = 0; i < count; i++) {
        CURLcode rc = curl_easy_perform(handle);
        long status = 0;
        long opened = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &opened);
        if(rc != CURLE_OK || status != 200) {
            fprintf(stderr, "request %ld: %s, HTTP %ld\n", i, curl_easy_strerror(rc), status);
            return 1;
        }
        connections += opened;
    }
    double elapsed = now_seconds() - started;

    printf("seconds=%.6f requests=%ld connections=%ld\n", elapsed, count, connections);
    curl_easy_cleanup(handle);
    curl_global_cleanup();
    return 0;
}
