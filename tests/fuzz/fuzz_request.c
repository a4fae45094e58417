/* request_note_option on fuzzed sequences of options, against a model written the other way
   round: the method is decided by the last option that names one, looking back from the end;
   the upload flag by the last CURLOPT_UPLOAD or CURLOPT_PUT. And kept_options_has on any
   number, against the list of options the library keeps, written out. */
#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>
#include <string.h>

#include "fuzz_input.h"
#include "policy/kept_options.h"
#include "policy/request.h"

#define STEPS_MAX 32

struct step {
    int option;
    long number;
    char text[40];
    bool null_text;
};

static const int options[] = {CURLOPT_CUSTOMREQUEST, CURLOPT_HTTPGET,  CURLOPT_POST,
                              CURLOPT_POSTFIELDS,    CURLOPT_MIMEPOST, CURLOPT_UPLOAD,
                              CURLOPT_PUT,           CURLOPT_NOBODY,   CURLOPT_COPYPOSTFIELDS,
                              CURLOPT_VERBOSE,       CURLOPT_URL};

/* The base method after steps[0..count), ignoring custom methods: scanned backwards, NOBODY=0
   means "whatever came before, but not HEAD". */
static const char *model_base(const struct step *steps, int count, bool head_allowed)
{
    for(int i = count - 1; i >= 0; i--) {
        const struct step *s = &steps[i];
        switch(s->option) {
        case CURLOPT_HTTPGET:
            if(s->number)
                return "GET";
            break;
        case CURLOPT_POST:
            return s->number ? "POST" : "GET";
        case CURLOPT_POSTFIELDS:
        case CURLOPT_COPYPOSTFIELDS:
        case CURLOPT_MIMEPOST:
            return "POST";
        case CURLOPT_UPLOAD:
        case CURLOPT_PUT:
            return s->number ? "PUT" : "GET";
        case CURLOPT_NOBODY:
            if(s->number && head_allowed)
                return "HEAD";
            if(!s->number) {
                const char *before = model_base(steps, i, true);
                return strcmp(before, "HEAD") ? before : "GET";
            }
            break;
        default:
            break;
        }
    }
    return "GET";
}

static const char *model_method(const struct step *steps, int count)
{
    for(int i = count - 1; i >= 0; i--) {
        if(steps[i].option != CURLOPT_CUSTOMREQUEST)
            continue;
        if(steps[i].null_text)
            break;
        return strlen(steps[i].text) < REQUEST_CUSTOM_METHOD_MAX ? steps[i].text : "(long)";
    }
    return model_base(steps, count, true);
}

static bool model_upload(const struct step *steps, int count)
{
    for(int i = count - 1; i >= 0; i--) {
        if(steps[i].option == CURLOPT_UPLOAD || steps[i].option == CURLOPT_PUT)
            return steps[i].number != 0;
    }
    return false;
}

static bool model_kept(int option)
{
    static const int others[] = {
        CURLOPT_URL,           CURLOPT_HTTPHEADER,   CURLOPT_HTTPPROXYTUNNEL,
        CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA,    CURLOPT_HEADERFUNCTION,
        CURLOPT_HEADERDATA,    CURLOPT_HEADER,       CURLOPT_READFUNCTION,
        CURLOPT_READDATA,      CURLOPT_SEEKFUNCTION, CURLOPT_SEEKDATA};
    for(size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        if(option == others[i])
            return true;
    }
    return request_option_shapes(option);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = fuzz_input_from(data, size);
    int any = (int)fuzz_u32(&in);
    FUZZ_CHECK(kept_options_has(any) == model_kept(any));
    struct step steps[STEPS_MAX];
    struct request_shape shape = {0};
    int count = 0;
    while(count < STEPS_MAX && !fuzz_empty(&in)) {
        struct step *s = &steps[count++];
        memset(s, 0, sizeof(*s));
        s->option = options[fuzz_u8(&in) % (sizeof(options) / sizeof(options[0]))];
        s->number = fuzz_bool(&in) ? 0 : (long)fuzz_u32(&in);
        const uint8_t *bytes;
        size_t length = fuzz_bytes(&in, sizeof(s->text) - 1, &bytes);
        for(size_t i = 0; i < length; i++)
            s->text[i] = bytes[i] ? (char)bytes[i] : 'A'; /* no early NUL */
        s->null_text = length == 0;
        const void *object = s->null_text ? NULL : s->text;
        request_note_option(&shape, s->option, s->number, object);
        FUZZ_CHECK(!strcmp(request_method(&shape), model_method(steps, count)));
        FUZZ_CHECK(shape.upload == model_upload(steps, count));
    }
    return 0;
}
