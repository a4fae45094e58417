#!/usr/bin/env python3
"""Drives libcurl straight through ctypes, as FFI bindings do: the functions come from
dlsym() on libcurl's own handle, not from anything the dynamic loader binds.

Usage: ctypes_fetch.py LIBRARY URL [LIBRARY URL ...]
Each LIBRARY is opened with ctypes.CDLL (RTLD_LOCAL), one transfer of its URL is made with a
write callback, and one line is printed per transfer:
  LIBRARY ssl_ctx=N rc=N status=N body=TEXT
ssl_ctx is what that libcurl says to CURLOPT_SSL_CTX_FUNCTION (0 for the OpenSSL flavour, 4,
CURLE_NOT_BUILT_IN, for GnuTLS): it tells which libcurl a curl_easy_setopt call reached.
"""
import ctypes
import sys

CURLOPT_URL = 10002
CURLOPT_WRITEFUNCTION = 20011
CURLOPT_SSL_CTX_FUNCTION = 20108
CURLINFO_RESPONSE_CODE = 0x200002

WRITE_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                  ctypes.c_size_t, ctypes.c_void_p)


def fetch(library, url):
    curl = ctypes.CDLL(library)
    curl.curl_easy_init.restype = ctypes.c_void_p
    handle = ctypes.c_void_p(curl.curl_easy_init())
    ssl_ctx = curl.curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, ctypes.c_void_p(None))
    chunks = []

    def write(data, size, count, userdata):
        chunks.append(ctypes.string_at(data, size * count))
        return size * count

    callback = WRITE_CALLBACK(write)
    curl.curl_easy_setopt(handle, CURLOPT_URL, url.encode())
    curl.curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback)
    rc = curl.curl_easy_perform(handle)
    status = ctypes.c_long(0)
    curl.curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, ctypes.byref(status))
    curl.curl_easy_cleanup(handle)
    body = b"".join(chunks).decode()
    print(f"{library} ssl_ctx={ssl_ctx} rc={rc} status={status.value} body={body}", flush=True)
    return rc


def main():
    pairs = sys.argv[1:]
    if not pairs or len(pairs) % 2:
        sys.exit(__doc__)
    codes = [fetch(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    sys.exit(max(codes))


main()
