/* A small libcurl program for the integration tests: one transfer (or one per thread) with the
   options a test asks for. It knows nothing of tryagain. Prints the body on stdout and
   "rc=N status=N" on stderr; exits with the CURLcode. */
#define CURL_DISABLE_DEPRECATION 1 /* the old form API is what older programs use */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct options {
    const char *url;
    const char *method;
    const char *post_data;
    const char *copy_post_data;
    const char *upload_path;
    bool upload_seekable;
    bool upload_default_reader;
    bool include_headers;
    bool include_headers_first; /* CURLOPT_HEADER before any write-side option */
    bool header_callback;
    bool fail_on_error;
    bool follow;
    bool duplicate;
    bool reset_and_reuse;
    bool short_write;
    bool check_private;
    int threads;
    int alarm_seconds;
    bool form; /* CURLOPT_HTTPPOST with a part copied from memory */
    bool form_stream; /* ...and a part read through the read callback (CURLFORM_STREAM) */
    const char *header; /* one CURLOPT_HTTPHEADER line */
    bool again; /* a second perform of the same handle after the first */
};

struct body {
    char *data;
    size_t length;
    bool refuse;
};

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
    struct body *body = userdata;
    size_t length = size * count;
    if(body->refuse)
        return 0;
    char *grown = realloc(body->data, body->length + length + 1);
    if(!grown)
        return 0;
    body->data = grown;
    memcpy(body->data + body->length, data, length);
    body->length += length;
    return length;
}

static size_t print_header(char *data, size_t size, size_t count, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "header: %.*s", (int)(size * count), data);
    return size * count;
}

static size_t read_file(char *buffer, size_t size, size_t count, void *userdata)
{
    return fread(buffer, size, count, userdata);
}

static int seek_file(void *userdata, curl_off_t offset, int origin)
{
    return fseek(userdata, (long)offset, origin) ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

struct form_source {
    const char *data;
    size_t left;
};

static size_t read_form_part(char *buffer, size_t size, size_t count, void *userdata)
{
    struct form_source *source = userdata;
    size_t length = size * count < source->left ? size * count : source->left;
    memcpy(buffer, source->data, length);
    source->data += length;
    source->left -= length;
    return length;
}

/* The deprecated form API, still used by older programs. */
static struct curl_httppost *set_form(CURL *curl, const struct options *o,
                                      struct form_source *source)
{
    struct curl_httppost *first = NULL, *last = NULL;
    curl_formadd(&first, &last, CURLFORM_COPYNAME, "name", CURLFORM_COPYCONTENTS, "value",
                 CURLFORM_END);
    if(o->form_stream) {
        source->data = "streamed part";
        source->left = strlen(source->data);
        curl_formadd(&first, &last, CURLFORM_COPYNAME, "stream", CURLFORM_STREAM, source,
                     CURLFORM_CONTENTLEN, (curl_off_t)source->left, CURLFORM_END);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_form_part);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPPOST, first);
    return first;
}

static void set_upload(CURL *curl, const struct options *o, FILE *file)
{
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
    curl_easy_setopt(curl, CURLOPT_READDATA, file);
    if(o->upload_default_reader)
        return;
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_file);
    if(o->upload_seekable) {
        curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_file);
        curl_easy_setopt(curl, CURLOPT_SEEKDATA, file);
    }
}

static CURLcode transfer(const struct options *o, const char *url, struct body *body, long *status)
{
    CURL *curl = curl_easy_init();
    if(!curl)
        return CURLE_FAILED_INIT;
    FILE *upload = NULL;
    if(o->reset_and_reuse) {
        /* Options set before a reset must be forgotten, by libcurl and by anything in between. */
        curl_easy_setopt(curl, CURLOPT_URL, "http://127.0.0.1:1/never");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "stale");
        curl_easy_reset(curl);
    }
    if(o->include_headers_first)
        curl_easy_setopt(curl, CURLOPT_HEADER, 1L);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, (void *)body);
    if(o->method)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, o->method);
    if(o->post_data)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, o->post_data);
    if(o->copy_post_data)
        curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, o->copy_post_data);
    if(o->upload_path) {
        upload = fopen(o->upload_path, "rb");
        if(!upload)
            return CURLE_READ_ERROR;
        set_upload(curl, o, upload);
    }
    struct form_source form_source;
    struct curl_httppost *form = o->form ? set_form(curl, o, &form_source) : NULL;
    if(o->include_headers)
        curl_easy_setopt(curl, CURLOPT_HEADER, 1L);
    if(o->header_callback)
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, print_header);
    if(o->fail_on_error)
        curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    if(o->follow)
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    struct curl_slist *headers = o->header ? curl_slist_append(NULL, o->header) : NULL;
    if(headers)
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    body->refuse = o->short_write;
    CURL *performer = curl;
    if(o->duplicate) {
        performer = curl_easy_duphandle(curl);
        curl_easy_cleanup(curl);
        curl = NULL;
    }
    CURLcode code = curl_easy_perform(performer);
    if(o->again && code == CURLE_OK)
        code = curl_easy_perform(performer);
    curl_easy_getinfo(performer, CURLINFO_RESPONSE_CODE, status);
    if(o->check_private) {
        void *private_data = NULL;
        curl_easy_getinfo(performer, CURLINFO_PRIVATE, &private_data);
        if(private_data != body)
            fprintf(stderr, "CURLOPT_PRIVATE changed\n");
        else
            fprintf(stderr, "CURLOPT_PRIVATE kept\n");
    }
    curl_easy_cleanup(performer);
    curl_formfree(form);
    curl_slist_free_all(headers);
    if(upload)
        fclose(upload);
    return code;
}

struct thread_job {
    const struct options *options;
    char url[512];
    struct body body;
    long status;
    CURLcode code;
};

static void *run_job(void *arg)
{
    struct thread_job *job = arg;
    job->code = transfer(job->options, job->url, &job->body, &job->status);
    return NULL;
}

/* "{i}" in the URL becomes the thread's number. */
static void expand_url(char *out, size_t size, const char *url, int index)
{
    const char *mark = strstr(url, "{i}");
    if(!mark)
        snprintf(out, size, "%s", url);
    else
        snprintf(out, size, "%.*s%d%s", (int)(mark - url), url, index, mark + 3);
}

static int run_threads(const struct options *o)
{
    struct thread_job *jobs = calloc((size_t)o->threads, sizeof(*jobs));
    pthread_t *threads = calloc((size_t)o->threads, sizeof(*threads));
    for(int i = 0; i < o->threads; i++) {
        jobs[i].options = o;
        expand_url(jobs[i].url, sizeof(jobs[i].url), o->url, i);
        pthread_create(&threads[i], NULL, run_job, &jobs[i]);
    }
    int failures = 0;
    for(int i = 0; i < o->threads; i++) {
        pthread_join(threads[i], NULL);
        printf("%d rc=%d status=%ld body=%.*s\n", i, (int)jobs[i].code, jobs[i].status,
               (int)jobs[i].body.length, jobs[i].body.data ? jobs[i].body.data : "");
        failures += jobs[i].code != CURLE_OK;
        free(jobs[i].body.data);
    }
    free(jobs);
    free(threads);
    return failures;
}

static void on_alarm(int signal_number)
{
    (void)signal_number;
    static const char note[] = "alarm\n";
    if(write(STDERR_FILENO, note, sizeof(note) - 1) < 0)
        return;
}

/* A handler without SA_RESTART, as a program with a watchdog timer would install. */
static void arm_alarm(int seconds)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_alarm;
    sigaction(SIGALRM, &action, NULL);
    alarm((unsigned)seconds);
}

static bool parse_arguments(int argc, char **argv, struct options *o)
{
    for(int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if(!strcmp(a, "-X") && has_value)
            o->method = argv[++i];
        else if(!strcmp(a, "--post") && has_value)
            o->post_data = argv[++i];
        else if(!strcmp(a, "-H") && has_value)
            o->header = argv[++i];
        else if(!strcmp(a, "--again"))
            o->again = true;
        else if(!strcmp(a, "--copy-post") && has_value)
            o->copy_post_data = argv[++i];
        else if(!strcmp(a, "--upload") && has_value) {
            o->upload_path = argv[++i];
            o->upload_seekable = true;
        }
        else if(!strcmp(a, "--upload-noseek") && has_value)
            o->upload_path = argv[++i];
        else if(!strcmp(a, "--upload-default") && has_value) {
            o->upload_path = argv[++i];
            o->upload_default_reader = true;
        }
        else if(!strcmp(a, "--form"))
            o->form = true;
        else if(!strcmp(a, "--form-stream"))
            o->form = o->form_stream = true;
        else if(!strcmp(a, "--include"))
            o->include_headers = true;
        else if(!strcmp(a, "--include-first"))
            o->include_headers_first = true;
        else if(!strcmp(a, "--header-callback"))
            o->header_callback = true;
        else if(!strcmp(a, "--fail"))
            o->fail_on_error = true;
        else if(!strcmp(a, "--follow"))
            o->follow = true;
        else if(!strcmp(a, "--dup"))
            o->duplicate = true;
        else if(!strcmp(a, "--reset"))
            o->reset_and_reuse = true;
        else if(!strcmp(a, "--short-write"))
            o->short_write = true;
        else if(!strcmp(a, "--check-private"))
            o->check_private = true;
        else if(!strcmp(a, "--alarm") && has_value)
            o->alarm_seconds = atoi(argv[++i]);
        else if(!strcmp(a, "--threads") && has_value)
            o->threads = atoi(argv[++i]);
        else if(a[0] != '-' && !o->url)
            o->url = a;
        else
            return false;
    }
    return o->url != NULL;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    if(!parse_arguments(argc, argv, &o)) {
        fprintf(stderr, "usage: fetch [options] URL\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if(o.alarm_seconds)
        arm_alarm(o.alarm_seconds);
    int exit_code;
    if(o.threads > 0) {
        exit_code = run_threads(&o);
    }
    else {
        struct body body = {0};
        long status = 0;
        CURLcode code = transfer(&o, o.url, &body, &status);
        fwrite(body.data ? body.data : "", 1, body.length, stdout);
        fprintf(stderr, "rc=%d status=%ld\n", (int)code, status);
        free(body.data);
        exit_code = (int)code;
    }
    curl_global_cleanup();
    return exit_code;
}
