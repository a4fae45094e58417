/* The key coordination shares state under: a URL's origin, scheme://host:port, lowercased,
   with the scheme's default port written out. */
#ifndef TRYAGAIN_ORIGIN_H
#define TRYAGAIN_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORIGIN_MAX 96 /* with the NUL; a longer origin is not coordinated */

/* False when the URL has no host, or its origin does not fit. */
bool origin_of_url(const char *url, char *out, size_t size);
/* FNV-1a of the origin, never 0 or 1 (they mark a free slot and one being claimed). */
uint64_t origin_hash(const char *origin);

#endif
