#!/usr/bin/python3
"""pycurl loads libcurl-gnutls.so.4 with dlopen when imported, long after the program started:
the case where libcurl is only reachable by name. Prints the status and the body."""
import io
import sys

import pycurl

body = io.BytesIO()
handle = pycurl.Curl()
handle.setopt(pycurl.URL, sys.argv[1])
handle.setopt(pycurl.WRITEDATA, body)
handle.perform()
print(handle.getinfo(pycurl.RESPONSE_CODE), body.getvalue().decode(), end="")
handle.close()
