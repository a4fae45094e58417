/* The real functions behind the hooks. */
#ifndef TRYAGAIN_REAL_H
#define TRYAGAIN_REAL_H

#include <curl/curl.h>
#include <sys/socket.h>

struct real_curl {
    CURLcode (*easy_perform)(CURL *handle);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURL *(*easy_duphandle)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
};

/* libcurl's functions, bound when first needed: NULL while no libcurl is loaded. Never loads
   libcurl itself. */
const struct real_curl *real_curl(void);

int real_connect(int fd, const struct sockaddr *address, socklen_t length);

#endif
