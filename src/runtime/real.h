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

    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t socket, int events, int *running);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *messages_left);
    CURLMcode (*multi_timeout)(CURLM *multi, long *timeout_ms);
    CURLMcode (*multi_wait)(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                            int timeout_ms, int *ready);
    /* libcurl 7.66 and later; NULL before. */
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra[], unsigned extra_count,
                            int timeout_ms, int *ready);
};

/* libcurl's functions, bound when first needed: NULL while no libcurl is loaded. Never loads
   libcurl itself. */
const struct real_curl *real_curl(void);

int real_connect(int fd, const struct sockaddr *address, socklen_t length);

#endif
