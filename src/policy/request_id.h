/* Which response headers carry the server's id for a request, so that a log line can be quoted
   to the provider: x-request-id, request-id, x-amzn-requestid, cf-ray and the like. Pure. */
#ifndef TRYAGAIN_POLICY_REQUEST_ID_H
#define TRYAGAIN_POLICY_REQUEST_ID_H

#include <stddef.h>

/* Longest id kept, terminator included; a longer one is cut there. */
#define REQUEST_ID_MAX 96

/* 0 when the header line (as libcurl hands it over: "Name: value\r\n") names no request id;
   otherwise its rank, higher for the more specific names, so that a response with several
   (x-amz-cf-id beside x-amzn-requestid) logs the one its provider asks for. */
int request_id_rank(const char *line, size_t length);

/* The line's value, trimmed, into out (size > 1); returns its length, 0 when the value is empty
   or holds anything but the characters ids are made of (letters, digits and -_.:/+=@), so that
   a header can never put a quote, a control character or a space into a log line. */
size_t request_id_value(const char *line, size_t length, char *out, size_t size);

#endif
