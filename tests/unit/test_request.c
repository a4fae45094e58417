/* libcurl's rules for which method a handle's options make (policy/request.c), without any
   preload: the same sequences of setopt calls a program makes, and the method libcurl sends. */
#define CURL_DISABLE_DEPRECATION 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "curl/settings.h"
#include "policy/request.h"

static void set_number(struct request_shape *shape, int option, long number)
{
    request_note_option(shape, option, number, NULL);
}

static void set_object(struct request_shape *shape, int option, const void *object)
{
    request_note_option(shape, option, 0, object);
}

static void a_new_handle_gets(void **state)
{
    (void)state;
    struct request_shape shape = {0};
    assert_string_equal(request_method(&shape), "GET");
}

static void post_options_make_a_post(void **state)
{
    (void)state;
    static const int options[] = {CURLOPT_POSTFIELDS, CURLOPT_COPYPOSTFIELDS, CURLOPT_MIMEPOST};
    for(size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        struct request_shape shape = {0};
        set_object(&shape, options[i], "a=1");
        assert_string_equal(request_method(&shape), "POST");
    }
    struct request_shape shape = {0};
    set_number(&shape, CURLOPT_POST, 1);
    assert_string_equal(request_method(&shape), "POST");
    set_number(&shape, CURLOPT_POST, 0);
    assert_string_equal(request_method(&shape), "GET");
}

static void the_last_option_wins(void **state)
{
    (void)state;
    struct request_shape shape = {0};
    set_number(&shape, CURLOPT_POST, 1);
    set_number(&shape, CURLOPT_UPLOAD, 1);
    assert_string_equal(request_method(&shape), "PUT");
    set_number(&shape, CURLOPT_HTTPGET, 1);
    assert_string_equal(request_method(&shape), "GET");
    set_number(&shape, CURLOPT_PUT, 1);
    assert_string_equal(request_method(&shape), "PUT");
    set_number(&shape, CURLOPT_UPLOAD, 0);
    assert_string_equal(request_method(&shape), "GET");
}

static void nobody_makes_a_head_until_turned_off(void **state)
{
    (void)state;
    struct request_shape shape = {0};
    set_number(&shape, CURLOPT_NOBODY, 1);
    assert_string_equal(request_method(&shape), "HEAD");
    set_number(&shape, CURLOPT_NOBODY, 0);
    assert_string_equal(request_method(&shape), "GET");
    /* Turning NOBODY off leaves a POST a POST. */
    set_number(&shape, CURLOPT_POST, 1);
    set_number(&shape, CURLOPT_NOBODY, 0);
    assert_string_equal(request_method(&shape), "POST");
    set_number(&shape, CURLOPT_HTTPGET, 0); /* 0 changes nothing */
    assert_string_equal(request_method(&shape), "POST");
}

static void a_custom_method_overrides_until_unset(void **state)
{
    (void)state;
    struct request_shape shape = {0};
    set_number(&shape, CURLOPT_POST, 1);
    set_object(&shape, CURLOPT_CUSTOMREQUEST, "DELETE");
    assert_string_equal(request_method(&shape), "DELETE");
    set_object(&shape, CURLOPT_CUSTOMREQUEST, NULL);
    assert_string_equal(request_method(&shape), "POST");
    char long_method[64];
    memset(long_method, 'X', sizeof(long_method) - 1);
    long_method[sizeof(long_method) - 1] = '\0';
    set_object(&shape, CURLOPT_CUSTOMREQUEST, long_method);
    assert_string_equal(request_method(&shape), "(long)");
}

static void a_form_post_with_a_streamed_part_is_noted(void **state)
{
    (void)state;
    struct curl_httppost nested = {0};
    nested.flags = CURL_HTTPPOST_CALLBACK;
    struct curl_httppost second = {0};
    second.more = &nested;
    struct curl_httppost first = {0};
    first.next = &second;
    struct request_shape shape = {0};
    set_object(&shape, CURLOPT_HTTPPOST, &first);
    assert_true(shape.formpost);
    assert_true(shape.formpost_streams);
    assert_string_equal(request_method(&shape), "POST");
    nested.flags = 0;
    set_object(&shape, CURLOPT_HTTPPOST, &first);
    assert_false(shape.formpost_streams);
    set_object(&shape, CURLOPT_HTTPPOST, NULL);
    assert_false(shape.formpost);
}

static void other_options_change_nothing(void **state)
{
    (void)state;
    assert_false(request_option_shapes(CURLOPT_URL));
    assert_false(request_option_shapes(CURLOPT_VERBOSE));
    assert_true(request_option_shapes(CURLOPT_NOBODY));
    struct request_shape shape = {0};
    set_number(&shape, CURLOPT_VERBOSE, 1);
    set_object(&shape, CURLOPT_URL, "http://example.com/");
    assert_string_equal(request_method(&shape), "GET");
}

/* The hook's quick test of which options to note (curl/settings.h) covers exactly the options
   that shape the request, the URL, the header list (for idempotency keys), the callbacks and
   whether a proxy tunnel may answer first,
   over every option number libcurl has. */
static void the_hooks_note_exactly_these_options(void **state)
{
    (void)state;
    static const int callbacks[] = {
        CURLOPT_WRITEFUNCTION, CURLOPT_WRITEDATA,    CURLOPT_HEADERFUNCTION,
        CURLOPT_HEADERDATA,    CURLOPT_HEADER,       CURLOPT_READFUNCTION,
        CURLOPT_READDATA,      CURLOPT_SEEKFUNCTION, CURLOPT_SEEKDATA};
    int noted = 0;
    for(int option = -1; option < 50000; option++) {
        bool expected = option == CURLOPT_URL || option == CURLOPT_HTTPHEADER ||
                        option == CURLOPT_HTTPPROXYTUNNEL || request_option_shapes(option);
        for(size_t i = 0; i < sizeof(callbacks) / sizeof(callbacks[0]); i++)
            expected = expected || option == callbacks[i];
        if(settings_notes((CURLoption)option) != expected)
            fail_msg("option %d: settings_notes says %d", option, !expected);
        noted += expected;
        enum callback_group group = NOT_A_CALLBACK;
        if(option == CURLOPT_WRITEFUNCTION || option == CURLOPT_WRITEDATA ||
           option == CURLOPT_HEADERFUNCTION || option == CURLOPT_HEADERDATA ||
           option == CURLOPT_HEADER)
            group = WRITE_SIDE;
        else if(option == CURLOPT_READFUNCTION || option == CURLOPT_READDATA)
            group = READ_SIDE;
        else if(option == CURLOPT_SEEKFUNCTION || option == CURLOPT_SEEKDATA)
            group = SEEK_SIDE;
        if(settings_callback_group((CURLoption)option) != group)
            fail_msg("option %d: in callback group %d, not %d", option,
                     settings_callback_group((CURLoption)option), group);
    }
    assert_int_equal(noted, 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_handle_gets),
        cmocka_unit_test(post_options_make_a_post),
        cmocka_unit_test(the_last_option_wins),
        cmocka_unit_test(nobody_makes_a_head_until_turned_off),
        cmocka_unit_test(a_custom_method_overrides_until_unset),
        cmocka_unit_test(a_form_post_with_a_streamed_part_is_noted),
        cmocka_unit_test(other_options_change_nothing),
        cmocka_unit_test(the_hooks_note_exactly_these_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
