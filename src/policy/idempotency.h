/* Idempotency keys (TRYAGAIN_IDEMPOTENCY_KEY): which requests get one, whether the program sent
   its own, the header line. Pure. */
#ifndef TRYAGAIN_POLICY_IDEMPOTENCY_H
#define TRYAGAIN_POLICY_IDEMPOTENCY_H

#include <stdbool.h>
#include <stddef.h>

#define IDEMPOTENCY_NAME_MAX 65 /* a header name of up to 64 characters, and the terminator */
#define IDEMPOTENCY_LINE_MAX (IDEMPOTENCY_NAME_MAX + 40) /* "Name: " and a UUID */

/* A header name as RFC 9110 makes one (a token: letters, digits, !#$%&'*+-.^_`|~), 1 to 64
   characters; false for anything else (out is then ""). */
bool idempotency_name_parse(const char *text, char out[IDEMPOTENCY_NAME_MAX]);

/* What one of the program's header lines (CURLOPT_HTTPHEADER) says of the key header. */
enum key_line {
    KEY_LINE_OTHER, /* another header */
    KEY_LINE_SET, /* "Name: value": the program's own key, kept */
    KEY_LINE_REMOVED, /* "Name:" or "Name;": the program wants none, or an empty one */
};
enum key_line idempotency_classify_line(const char *name, const char *line);

/* A key is added to a request of this method (non-idempotent ones: POST, PATCH...), when the
   program's headers have no line naming the header. */
bool idempotency_wants_key(const char *method);

/* "Name: key" into out; false when it does not fit. */
bool idempotency_header_line(const char *name, const char *key, char *out, size_t size);

#endif
