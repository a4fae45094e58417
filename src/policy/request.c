#define CURL_DISABLE_DEPRECATION 1 /* CURLOPT_PUT and CURLOPT_HTTPPOST are still programs' */
#include "policy/request.h"

#include <curl/curl.h>
#include <string.h>

bool request_option_shapes(int option)
{
    switch(option) {
    case CURLOPT_CUSTOMREQUEST:
    case CURLOPT_HTTPGET:
    case CURLOPT_POST:
    case CURLOPT_POSTFIELDS:
    case CURLOPT_COPYPOSTFIELDS:
    case CURLOPT_HTTPPOST:
    case CURLOPT_MIMEPOST:
    case CURLOPT_UPLOAD:
    case CURLOPT_PUT:
    case CURLOPT_NOBODY:
        return true;
    default:
        return false;
    }
}

/* A CURLFORM_STREAM part is read through the handle's read callback, from where it stands:
   libcurl cannot rewind it for another attempt. */
static bool form_has_streamed_part(const struct curl_httppost *part)
{
    for(; part; part = part->next) {
        if((part->flags & CURL_HTTPPOST_CALLBACK) || form_has_streamed_part(part->more))
            return true;
    }
    return false;
}

static void note_custom_method(struct request_shape *shape, const char *method)
{
    if(!method)
        shape->custom_method[0] = '\0';
    else if(strlen(method) < sizeof(shape->custom_method))
        strcpy(shape->custom_method, method);
    else
        strcpy(shape->custom_method, "(long)"); /* unknown, so never idempotent */
}

void request_note_option(struct request_shape *shape, int option, long number, const void *object)
{
    switch(option) {
    case CURLOPT_CUSTOMREQUEST:
        note_custom_method(shape, object);
        break;
    case CURLOPT_HTTPGET:
        if(number)
            shape->base_method = METHOD_GET;
        break;
    case CURLOPT_POST:
        shape->base_method = number ? METHOD_POST : METHOD_GET;
        break;
    case CURLOPT_HTTPPOST:
        shape->formpost = object != NULL;
        shape->formpost_streams = form_has_streamed_part(object);
        shape->base_method = METHOD_POST;
        break;
    case CURLOPT_POSTFIELDS:
    case CURLOPT_COPYPOSTFIELDS:
    case CURLOPT_MIMEPOST:
        shape->base_method = METHOD_POST;
        break;
    case CURLOPT_UPLOAD:
    case CURLOPT_PUT:
        shape->base_method = number ? METHOD_PUT : METHOD_GET;
        shape->upload = number != 0;
        break;
    case CURLOPT_NOBODY:
        if(number)
            shape->base_method = METHOD_HEAD;
        else if(shape->base_method == METHOD_HEAD)
            shape->base_method = METHOD_GET;
        break;
    default:
        break;
    }
}

const char *request_method(const struct request_shape *shape)
{
    if(shape->custom_method[0])
        return shape->custom_method;
    switch(shape->base_method) {
    case METHOD_HEAD:
        return "HEAD";
    case METHOD_POST:
        return "POST";
    case METHOD_PUT:
        return "PUT";
    case METHOD_GET:
        break;
    }
    return "GET";
}
