/* The addresses the program's own getaddrinfo() gave for the names of TRYAGAIN_CONNECT_TO:
   connect() sees only an address, and this is how it knows which listed name it stands for. */
#ifndef TRYAGAIN_RUNTIME_RESOLVED_H
#define TRYAGAIN_RUNTIME_RESOLVED_H

#include <netdb.h>
#include <stdint.h>
#include <sys/socket.h>

/* Notes the addresses of a successful resolution (its AF_INET and AF_INET6 entries, once each,
   in order) for every rule in the mask rules, replacing what an earlier resolution of the same
   name left. */
void resolved_note(uint32_t rules, const struct addrinfo *list);

/* Which rules' latest resolutions gave address (bit i: rule i), and of those, which gave
   other addresses after it. Both 0 when no listed name resolved to it. No system call; a lock
   only when the address may be one of them. */
void resolved_lookup(const struct sockaddr *address, socklen_t length, uint32_t *resolved,
                     uint32_t *not_last);

#endif
