/* The ELF reader behind tryagain doctor (src/launcher/elf_facts.c), on real files and on
   garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_facts.h"

static unsigned char *read_whole_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if(!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)length + 1);
    *size = fread(data, 1, (size_t)length, file);
    fclose(file);
    return data;
}

static bool needs(const struct elf_facts *facts, const char *library)
{
    for(int i = 0; i < facts->needed_count; i++) {
        if(!strcmp(facts->needed[i], library))
            return true;
    }
    return false;
}

static void test_elf_facts_of_curl(void **state)
{
    (void)state;
    size_t size;
    unsigned char *image = read_whole_file("/usr/bin/curl", &size);
    if(!image)
        skip();
    struct elf_facts *facts = malloc(sizeof(*facts));
    assert_true(elf_facts_read(image, size, facts));
    assert_true(facts->has_interpreter);
    assert_true(facts->has_dynamic);
    assert_true(needs(facts, "libcurl.so.4"));
    assert_true(facts->has_symbols);
    assert_true(facts->imports_easy_perform);
    assert_false(facts->is_go);
    free(facts);
    free(image);
}

static void test_elf_facts_reject_and_survive_garbage(void **state)
{
    (void)state;
    struct elf_facts *facts = malloc(sizeof(*facts));
    unsigned char text[] = "#!/bin/sh\necho hi\n";
    assert_false(elf_facts_read(text, sizeof(text), facts));
    /* A valid-looking header whose tables point far outside the file. */
    unsigned char header[64];
    memset(header, 0xff, sizeof(header));
    memcpy(header, "\177ELF\2\1\1", 7);
    assert_true(elf_facts_read(header, sizeof(header), facts));
    assert_false(facts->has_interpreter);
    assert_int_equal(facts->needed_count, 0);
    /* Every truncation of a real program reads without crashing. */
    size_t size;
    unsigned char *image = read_whole_file("/bin/true", &size);
    if(image) {
        for(size_t cut = 0; cut < size; cut += size / 97 + 1)
            elf_facts_read(image, cut, facts);
        free(image);
    }
    free(facts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_facts_of_curl),
        cmocka_unit_test(test_elf_facts_reject_and_survive_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
