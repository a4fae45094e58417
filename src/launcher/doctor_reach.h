/* What a program runs besides its own file and the libraries it names, where files tell:
   git's remote helpers, PHP's curl extension, a libcurl it names for dlopen. */
#ifndef TRYAGAIN_LAUNCHER_DOCTOR_REACH_H
#define TRYAGAIN_LAUNCHER_DOCTOR_REACH_H

#include <stdbool.h>
#include <stdio.h>

#include "elf_facts.h"

struct reach_findings {
    bool easy; /* transfers through curl_easy_perform in something it runs or loads */
    bool multi; /* transfers through libcurl's multi interface there */
};

/* Reports (one line each) what program at path runs or loads that reaches libcurl. */
void doctor_reach_follow(const char *path, const struct elf_facts *program, FILE *out,
                         struct reach_findings *found);

/* doctor.c's reader: the facts of the ELF file at path. */
bool doctor_read_facts(const char *path, struct elf_facts *facts);

#endif
