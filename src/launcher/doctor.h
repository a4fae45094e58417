/* tryagain doctor PROGRAM: whether and how tryagain can help a program, in lines a user can act
   on. Reads files only; never runs the program. */
#ifndef TRYAGAIN_LAUNCHER_DOCTOR_H
#define TRYAGAIN_LAUNCHER_DOCTOR_H

#include <stdio.h>

/* Writes the report to out and returns the exit status: 0 when tryagain can help, 1 when it
   cannot, 2 when the program cannot be found or read. */
int doctor_run(const char *program, FILE *out);

#endif
