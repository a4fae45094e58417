/* The --help text. */
#ifndef TRYAGAIN_LAUNCHER_USAGE_H
#define TRYAGAIN_LAUNCHER_USAGE_H

#include <stdio.h>

#define USAGE_LINE                                                                                 \
    "usage: tryagain [options] [--] command [args...]\n"                                           \
    "       tryagain doctor PROGRAM\n"

void usage_print(FILE *out);

#endif
