/* connect_filter_parse and connect_filter_match with fuzzed socket addresses, and the other
   pure decisions connect() takes on a program's address: eligibility, the binding check and
   the log's description. The input is the TRYAGAIN_CONNECT_TO text, a '\n', then address
   records. Every address is copied into an allocation of exactly its stated length, as a
   program would pass it, so a read past that length is caught. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

#include "policy/config.h"
#include "policy/connect_filter.h"
#include "policy/connect_rules.h"
#include "fuzz_input.h"

static const uint8_t loopback6[16] = {[15] = 1};

static void check_rules(const struct connect_filter *filter)
{
    FUZZ_CHECK(filter->count >= 0 && filter->count <= CONNECT_FILTER_MAX);
    for(int i = 0; i < filter->count; i++) {
        const struct connect_rule *rule = &filter->rule[i];
        FUZZ_CHECK(rule->kind >= RULE_ANY_ADDRESS && rule->kind <= RULE_NAME);
        FUZZ_CHECK(memchr(rule->path, '\0', sizeof(rule->path)) != NULL);
        FUZZ_CHECK(memchr(rule->name, '\0', sizeof(rule->name)) != NULL);
        bool by_name = rule->kind == RULE_NAME || rule->kind == RULE_LOCALHOST;
        FUZZ_CHECK(((filter->name_rules >> i) & 1u) == by_name);
        if(rule->kind == RULE_NAME) {
            FUZZ_CHECK(rule->name[0] && rule->name[0] != '.' && rule->name[0] != '-');
            for(const char *c = rule->name; *c; c++)
                FUZZ_CHECK(!(*c >= 'A' && *c <= 'Z'));
            /* a name stands for itself, whatever the case or a final dot */
            FUZZ_CHECK(connect_filter_rules_of_name(filter, rule->name) >> i & 1u);
        }
        if(rule->kind == RULE_UNIX_PATH)
            FUZZ_CHECK(rule->path[0] == '/' && rule->port == 0);
        if(rule->kind == RULE_ANY_ADDRESS)
            FUZZ_CHECK(rule->port != 0); /* ":port" is the only address-free form */
    }
}

/* What the documentation promises, written independently of connect_filter.c. */
static bool reference_inet(const struct connect_rule *rule, bool ipv4, const uint8_t *address,
                           uint16_t port)
{
    if(rule->port && rule->port != port)
        return false;
    switch(rule->kind) {
    case RULE_ANY_ADDRESS:
        return true;
    case RULE_IPV4:
        return ipv4 && !memcmp(rule->address, address, 4);
    case RULE_IPV6:
        return !ipv4 && !memcmp(rule->address, address, 16);
    case RULE_LOCALHOST:
        return ipv4 ? address[0] == 127 : !memcmp(address, loopback6, 16);
    default:
        return false;
    }
}

static bool reference_rule(const struct connect_rule *rule, const struct sockaddr *address,
                           socklen_t length)
{
    sa_family_t family = address->sa_family;
    if(family == AF_INET && length >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const void *)address;
        return reference_inet(rule, true, (const uint8_t *)&v4->sin_addr, ntohs(v4->sin_port));
    }
    if(family == AF_INET6 && length >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const void *)address;
        const uint8_t *bytes = v6->sin6_addr.s6_addr;
        static const uint8_t mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};
        bool mapped = !memcmp(bytes, mapped_prefix, 12);
        return reference_inet(rule, mapped, mapped ? bytes + 12 : bytes, ntohs(v6->sin6_port));
    }
    if(family == AF_UNIX && rule->kind == RULE_UNIX_PATH) {
        size_t offset = offsetof(struct sockaddr_un, sun_path);
        if(length <= offset)
            return false;
        const char *path = ((const struct sockaddr_un *)(const void *)address)->sun_path;
        size_t room = length - offset;
        size_t path_length = strnlen(path, room);
        return path_length == strlen(rule->path) && !memcmp(path, rule->path, path_length);
    }
    return false;
}

static bool reference_match(const struct connect_filter *filter, const struct sockaddr *address,
                            socklen_t length)
{
    if(filter->count == 0)
        return true;
    for(int i = 0; i < filter->count; i++) {
        if(reference_rule(&filter->rule[i], address, length))
            return true;
    }
    return false;
}

/* An address to try: often one built from a rule, so matches happen, otherwise raw bytes. */
static size_t build_address(struct fuzz_input *in, const struct connect_filter *filter,
                            uint8_t *storage, size_t room)
{
    memset(storage, 0, room);
    uint8_t shape = fuzz_u8(in);
    const struct connect_rule *rule = filter->count ? &filter->rule[shape % filter->count] : NULL;
    uint16_t port = fuzz_bool(in) && rule && rule->port ? rule->port : fuzz_u16(in);
    switch((shape >> 5) & 7) {
    case 0: {
        struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(port)};
        if(rule && rule->kind == RULE_IPV4 && fuzz_bool(in))
            memcpy(&v4.sin_addr, rule->address, 4);
        else
            v4.sin_addr.s_addr = htonl(fuzz_u32(in));
        memcpy(storage, &v4, sizeof(v4));
        return sizeof(v4) - (fuzz_u8(in) == 0xff); /* now and then one byte too short */
    }
    case 1:
    case 2: {
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if(rule && rule->kind == RULE_IPV6 && fuzz_bool(in))
            memcpy(&v6.sin6_addr, rule->address, 16);
        else if(fuzz_bool(in)) { /* IPv4-mapped: a dual-stack socket reaching an IPv4 peer */
            v6.sin6_addr.s6_addr[10] = v6.sin6_addr.s6_addr[11] = 0xff;
            uint32_t v4 = rule && rule->kind == RULE_IPV4 ? 0 : htonl(fuzz_u32(in));
            memcpy(v6.sin6_addr.s6_addr + 12,
                   rule && rule->kind == RULE_IPV4 ? rule->address : (uint8_t *)&v4, 4);
        }
        else {
            for(int i = 0; i < 16; i++)
                v6.sin6_addr.s6_addr[i] = fuzz_u8(in);
        }
        memcpy(storage, &v6, sizeof(v6));
        return sizeof(v6);
    }
    case 3:
    case 4: {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        size_t path_length = 0;
        if(rule && rule->kind == RULE_UNIX_PATH && fuzz_bool(in)) {
            path_length = strlen(rule->path);
            memcpy(un.sun_path, rule->path, path_length);
        }
        else {
            const uint8_t *bytes;
            path_length = fuzz_bytes(in, sizeof(un.sun_path), &bytes);
            memcpy(un.sun_path, bytes, path_length);
        }
        memcpy(storage, &un, sizeof(un));
        /* With or without the NUL, or any length the program chose to pass. */
        size_t offset = offsetof(struct sockaddr_un, sun_path);
        uint8_t form = fuzz_u8(in) % 3;
        size_t length = form == 0   ? offset + path_length
                        : form == 1 ? offset + path_length + 1
                                    : fuzz_upto(in, sizeof(un));
        return length > sizeof(un) ? sizeof(un) : length;
    }
    default: {
        const uint8_t *bytes;
        size_t length = fuzz_bytes(in, room, &bytes);
        memcpy(storage, bytes, length);
        return length;
    }
    }
}

static void check_describe(const struct sockaddr *address, socklen_t length, size_t size)
{
    char *buffer = fuzz_exact_copy("", size);
    const char *text = connect_describe_target(address, length, buffer, size);
    FUZZ_CHECK(text == buffer);
    size_t text_length = strnlen(buffer, size);
    FUZZ_CHECK(text_length < size);
    FUZZ_CHECK(!fuzz_has_control_char(buffer, text_length));
    free(buffer);
}

static void check_eligibility(struct fuzz_input *in, struct tryagain_config *config,
                              const struct sockaddr *address, socklen_t length, bool matched)
{
    config->max_attempts = 1 + fuzz_u8(in) % 4;
    config->connect_kinds = fuzz_u8(in) & (CONNECT_TCP | CONNECT_UNIX);
    struct connect_call call = {
        .address = address,
        .length = length,
        .socket_type = fuzz_bool(in) ? SOCK_STREAM : SOCK_DGRAM,
        .nonblocking = fuzz_u8(in) % 4 == 0,
    };
    config->connect_any_wait_ms = fuzz_bool(in) ? 0 : 2000;
    int kind = connect_kind_of_family(address->sa_family);
    /* With nothing listed, a short wait for blocking sockets of the enabled kinds; with a list,
       its destinations wait, blocking or not, whatever their kind. */
    bool listed = config->connect_to.count > 0;
    bool expected = config->max_attempts > 1 && config->connect_kinds != 0 && kind != 0 &&
                    call.socket_type == SOCK_STREAM &&
                    (listed ? matched
                            : !call.nonblocking && (config->connect_kinds & kind) &&
                                  config->connect_any_wait_ms > 0);
    FUZZ_CHECK(connect_call_eligible(config, &call) == expected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    char *text = fuzz_string_until(&in, '\n');
    static struct tryagain_config config;
    memset(&config, 0, sizeof(config));
    bool accepted = connect_filter_parse(text, &config.connect_to);
    free(text);
    if(!accepted)
        return 0;
    check_rules(&config.connect_to);

    while(!fuzz_empty(&in)) {
        uint8_t storage[sizeof(struct sockaddr_storage)];
        size_t length = build_address(&in, &config.connect_to, storage, sizeof(storage));
        char *address = fuzz_exact_copy(storage, length);
        const struct sockaddr *sa = (const struct sockaddr *)(const void *)address;
        /* The hook asks the filter only with at least a family (connect_call_eligible). */
        bool matched = false;
        if(length >= sizeof(sa_family_t)) {
            matched = connect_filter_match(&config.connect_to, sa, (socklen_t)length);
            FUZZ_CHECK(matched == reference_match(&config.connect_to, sa, (socklen_t)length));
            check_eligibility(&in, &config, sa, (socklen_t)length, matched);
        }
        check_describe(sa, (socklen_t)length, 1 + fuzz_u8(&in) % 160);
        connect_binding_needs_restoring(sa, (socklen_t)length, fuzz_bool(&in));
        free(address);
    }
    char words[32];
    const char *errno_words = connect_errno_text((int)fuzz_u32(&in), words, sizeof(words));
    FUZZ_CHECK(errno_words && !fuzz_has_control_char(errno_words, strlen(errno_words)));
    return 0;
}
