/* One small table per rule of TRYAGAIN_CONNECT_TO, written by the getaddrinfo() hook and read by
   connect(). A 64-bit filter of every address ever noted is read first, without the lock, so a
   connect() to an address no listed name gave (the common case) costs a hash and one load. */
#include "runtime/resolved.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "policy/connect_filter.h"
#include "runtime/fork_safety.h"

#define RESOLVED_ADDRESSES_MAX 16

/* IPv4 addresses are kept in their IPv4-mapped IPv6 form, so a dual-stack socket's
   ::ffff:10.0.0.5 is the same key as 10.0.0.5. */
struct address_key {
    uint8_t bytes[16];
};

struct resolved_name {
    int count;
    struct address_key address[RESOLVED_ADDRESSES_MAX];
};

static struct resolved_name names[CONNECT_FILTER_MAX]; /* LOCK_RESOLVED_NAMES */
static atomic_uint_fast64_t noted_filter;

static bool key_of(const struct sockaddr *address, socklen_t length, struct address_key *key)
{
    memset(key, 0, sizeof(*key));
    if(address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
        key->bytes[10] = key->bytes[11] = 0xff;
        memcpy(key->bytes + 12, &((const struct sockaddr_in *)address)->sin_addr, 4);
        return true;
    }
    if(address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(key->bytes, &((const struct sockaddr_in6 *)address)->sin6_addr, 16);
        return true;
    }
    return false;
}

static uint64_t filter_bit(const struct address_key *key)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for(int i = 0; i < 16; i++)
        hash = (hash ^ key->bytes[i]) * 1099511628211ULL;
    return 1ULL << (hash >> 58);
}

static bool contains(const struct resolved_name *name, const struct address_key *key)
{
    for(int i = 0; i < name->count; i++) {
        if(!memcmp(&name->address[i], key, sizeof(*key)))
            return true;
    }
    return false;
}

void resolved_note(uint32_t rules, const struct addrinfo *list)
{
    struct resolved_name fresh = {0};
    uint64_t bits = 0;
    for(const struct addrinfo *entry = list; entry; entry = entry->ai_next) {
        struct address_key key;
        if(!entry->ai_addr || !key_of(entry->ai_addr, entry->ai_addrlen, &key) ||
           contains(&fresh, &key))
            continue;
        if(fresh.count == RESOLVED_ADDRESSES_MAX)
            break;
        fresh.address[fresh.count++] = key;
        bits |= filter_bit(&key);
    }
    atomic_fetch_or_explicit(&noted_filter, bits, memory_order_release);
    lock_take(LOCK_RESOLVED_NAMES);
    for(int i = 0; i < CONNECT_FILTER_MAX; i++) {
        if(rules >> i & 1u)
            names[i] = fresh;
    }
    lock_give(LOCK_RESOLVED_NAMES);
}

void resolved_lookup(const struct sockaddr *address, socklen_t length, uint32_t *resolved,
                     uint32_t *not_last)
{
    *resolved = *not_last = 0;
    struct address_key key;
    if(!key_of(address, length, &key))
        return;
    if(!(atomic_load_explicit(&noted_filter, memory_order_acquire) & filter_bit(&key)))
        return;
    lock_take(LOCK_RESOLVED_NAMES);
    for(int i = 0; i < CONNECT_FILTER_MAX; i++) {
        const struct resolved_name *name = &names[i];
        for(int j = 0; j < name->count; j++) {
            if(memcmp(&name->address[j], &key, sizeof(key)))
                continue;
            *resolved |= 1u << i;
            if(j + 1 < name->count)
                *not_last |= 1u << i;
            break;
        }
    }
    lock_give(LOCK_RESOLVED_NAMES);
}
