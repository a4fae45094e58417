#include "curl/upload.h"

#include <stdio.h>

static size_t read_through(char *buffer, size_t size, size_t count, void *userdata)
{
    struct handle_state *state = userdata;
    const struct program_settings *program = &state->program;
    FILE *file = settings_default_reader_file(program);
    if(!program->read_fn && state->call.attempt == 1 && state->call.upload_bytes_read == 0)
        state->call.upload_start_offset = ftell(file); /* -1 for a pipe */
    size_t got = program->read_fn ? program->read_fn(buffer, size, count, program->read_data)
                                  : fread(buffer, size, count, file);
    if(got != CURL_READFUNC_ABORT && got != CURL_READFUNC_PAUSE)
        state->call.upload_bytes_read += (long long)got;
    return got;
}

/* libcurl seeks for its own rewinds (redirects, auth) and resumed uploads; it keeps working
   with read_through in place of the program's reader. */
static int seek_through(void *userdata, curl_off_t offset, int origin)
{
    struct handle_state *state = userdata;
    const struct program_settings *program = &state->program;
    if(program->seek_fn)
        return program->seek_fn(program->seek_data, offset, origin);
    if(!program->read_fn)
        return fseek(settings_default_reader_file(program), (long)offset, origin)
                   ? CURL_SEEKFUNC_CANTSEEK
                   : CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_CANTSEEK;
}

/* read_through stands in for the program's reader when the request sends a body (a GET or a
   HEAD never reads one, and is spared the four setopt calls), except for a form post: libcurl
   calls the read callback of a CURLFORM_STREAM part with that part's own pointer, which
   read_through could not tell from its state. seek_through stands in only where it can seek
   as libcurl would; with a read callback but no seek callback, libcurl's own fallback (the
   program's CURLOPT_IOCTLFUNCTION) stays in charge. */
void upload_match_hooks(const struct real_curl *real, CURL *handle, struct handle_state *state)
{
    const struct program_settings *program = &state->program;
    enum base_method method = program->request.base_method;
    bool want_read = !program->request.formpost &&
                     (method == METHOD_POST || method == METHOD_PUT || program->request.upload);
    bool want_seek = want_read && (program->seek_fn || !program->read_fn);
    if(want_read != state->installed.reader) {
        void *program_data = program->read_data_set ? program->read_data : (void *)stdin;
        real->easy_setopt(handle, CURLOPT_READFUNCTION,
                          want_read ? read_through : program->read_fn);
        real->easy_setopt(handle, CURLOPT_READDATA, want_read ? (void *)state : program_data);
        state->installed.reader = want_read;
    }
    if(want_seek != state->installed.seeker) {
        real->easy_setopt(handle, CURLOPT_SEEKFUNCTION,
                          want_seek ? seek_through : program->seek_fn);
        real->easy_setopt(handle, CURLOPT_SEEKDATA, want_seek ? (void *)state : program->seek_data);
        state->installed.seeker = want_seek;
    }
}

bool upload_rewind(struct handle_state *state, bool request_sent)
{
    const struct program_settings *program = &state->program;
    if(!state->installed.reader) /* a form post: libcurl builds it anew from its parts */
        return !program->request.formpost_streams || !request_sent;
    if(state->call.upload_bytes_read == 0)
        return true; /* nothing was consumed */
    if(program->seek_fn)
        return program->seek_fn(program->seek_data, 0, SEEK_SET) == CURL_SEEKFUNC_OK;
    if(!program->read_fn && state->call.upload_start_offset >= 0)
        return fseek(settings_default_reader_file(program), state->call.upload_start_offset,
                     SEEK_SET) == 0;
    return false;
}
