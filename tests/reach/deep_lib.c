/* A library that uses libcurl and connect() itself, loaded by tests/tools/dl_host with
   RTLD_DEEPBIND the way PHP loads its extensions. Built in several binding styles
   (mk/reach.mk): lazy, -z now, partial and full RELRO, -fno-plt. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* One transfer; prints "status=N body=TEXT" and returns the CURLcode. */
int deep_fetch(const char *url)
{
    CURL *handle = curl_easy_init();
    struct body body = {.length = 0};
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(handle);
    printf("status=%ld body=%s\n", status, body.data);
    fflush(stdout);
    return (int)code;
}

/* A blocking connect() to 127.0.0.1:port, then the server's greeting. Prints
   "connect=0 read=TEXT" or "connect=-1 errno=N". */
int deep_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int result = connect(fd, (struct sockaddr *)&address, sizeof(address));
    if(result != 0) {
        printf("connect=-1 errno=%d\n", errno);
        close(fd);
        return 1;
    }
    char greeting[64] = {0};
    ssize_t got = read(fd, greeting, sizeof(greeting) - 1);
    printf("connect=0 read=%s", got > 0 ? greeting : "\n");
    close(fd);
    return 0;
}

/* A load made from inside the group, as PHP FFI or an extension's plugin would: dlopen here
   binds to whatever this group's dlopen reference was bound to. */
int deep_nested(const char *inner, const char *url)
{
    void *library = dlopen(inner, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if(!library) {
        printf("nested dlopen: %s\n", dlerror());
        return 90;
    }
    int (*inner_fetch)(const char *);
    *(void **)&inner_fetch = dlsym(library, "inner_fetch");
    if(!inner_fetch)
        return 91;
    return inner_fetch(url);
}
