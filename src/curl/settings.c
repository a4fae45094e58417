#include "curl/settings.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/url.h"

void settings_init(struct program_settings *settings)
{
    memset(settings, 0, offsetof(struct program_settings, url_inline));
}

static void forget_url(struct program_settings *settings)
{
    if(settings->url != settings->url_inline)
        free(settings->url);
    settings->url = NULL;
}

/* False when out of memory (the URL is then NULL). */
static bool keep_url(struct program_settings *settings, const char *text)
{
    forget_url(settings);
    if(!text)
        return true;
    size_t size = strlen(text) + 1;
    char *room = size <= sizeof(settings->url_inline) ? settings->url_inline : malloc(size);
    if(!room)
        return false;
    memcpy(room, text, size);
    settings->url = room;
    return true;
}

bool settings_copy(struct program_settings *copy, const struct program_settings *source)
{
    memcpy(copy, source, offsetof(struct program_settings, url_inline));
    copy->url = NULL;
    copy->origin_known = 0; /* its buffer was not copied */
    if(keep_url(copy, source->url))
        return true;
    settings_init(copy);
    return false;
}

void settings_free(struct program_settings *settings)
{
    forget_url(settings);
}

/* "http://" in any case, by hand rather than strncasecmp: asked of every URL set. */
static bool says_http(const char *url)
{
    return url && (url[0] | 0x20) == 'h' && (url[1] | 0x20) == 't' && (url[2] | 0x20) == 't' &&
           (url[3] | 0x20) == 'p' && url[4] == ':' && url[5] == '/' && url[6] == '/';
}

/* Decided once, when the URL is set, rather than on every perform. */
static bool url_is_retried(const char *text, const struct tryagain_config *config)
{
    if(!text)
        return false;
    if(config->hosts.count == 0) /* every host: the host's name does not matter */
        return url_is_http_with_host(text);
    struct url_parts url;
    if(!url_split(text, &url) || !url_is_http(&url))
        return false;
    return host_patterns_match(&config->hosts, url.host, url.host_len);
}

void settings_note(struct program_settings *settings, CURLoption option, union option_value value,
                   const struct tryagain_config *config)
{
    switch(option) {
    case CURLOPT_WRITEFUNCTION:
        settings->write_fn = (gate_sink_fn)value.function;
        break;
    case CURLOPT_WRITEDATA:
        settings->write_data = value.object;
        settings->write_data_set = true;
        break;
    case CURLOPT_HEADERFUNCTION:
        settings->header_fn = (gate_sink_fn)value.function;
        break;
    case CURLOPT_HEADERDATA:
        settings->header_data = value.object;
        break;
    case CURLOPT_HEADER:
        settings->include_headers = value.number != 0;
        break;
    case CURLOPT_READFUNCTION:
        settings->read_fn = (curl_read_callback)value.function;
        break;
    case CURLOPT_READDATA:
        settings->read_data = value.object;
        settings->read_data_set = true;
        break;
    case CURLOPT_SEEKFUNCTION:
        settings->seek_fn = (curl_seek_callback)value.function;
        break;
    case CURLOPT_SEEKDATA:
        settings->seek_data = value.object;
        break;
    case CURLOPT_HTTPHEADER:
        settings->headers = value.object;
        break;
    case CURLOPT_HTTPPROXYTUNNEL:
        settings->proxy_tunnel = value.number != 0;
        break;
    case CURLOPT_URL:
        keep_url(settings, value.object);
        settings->origin_known = 0;
        settings->url_retried = url_is_retried(settings->url, config);
        settings->url_says_http = says_http(settings->url);
        break;
    default:
        request_note_option(&settings->request, (int)option,
                            option < CURLOPTTYPE_OBJECTPOINT ? value.number : 0,
                            option < CURLOPTTYPE_OBJECTPOINT ? NULL : value.object);
        break;
    }
}

static size_t write_to_file(char *data, size_t size, size_t count, void *file)
{
    return fwrite(data, size, count, file);
}

void settings_sinks(const struct program_settings *settings, struct gate_sinks *sinks)
{
    sinks->body = settings->write_fn ? settings->write_fn : write_to_file;
    sinks->body_data = settings->write_data_set ? settings->write_data : (void *)stdout;
    if(settings->header_fn) {
        sinks->header = settings->header_fn;
        sinks->header_data = settings->header_data;
    }
    else if(settings->header_data) {
        sinks->header = sinks->body;
        sinks->header_data = settings->header_data;
    }
    else {
        sinks->header = NULL;
        sinks->header_data = NULL;
    }
    sinks->include_headers = settings->include_headers;
}

FILE *settings_default_reader_file(const struct program_settings *settings)
{
    return settings->read_data_set ? (FILE *)settings->read_data : stdin;
}
