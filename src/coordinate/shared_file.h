/* Finding, making and checking the shared state file. No process-wide state and no logging:
   the library (coordinate/attach.c) and tryagain status both use it. */
#ifndef TRYAGAIN_COORDINATE_SHARED_FILE_H
#define TRYAGAIN_COORDINATE_SHARED_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "coordinate/layout.h"

/* $XDG_RUNTIME_DIR/tryagain-coordinate.v1 when that is a directory of uid's own that nobody
   else may enter, else /dev/shm/tryagain-UID-coordinate.v1. False when neither is usable. */
bool coord_state_path(const char *xdg_runtime_dir, uid_t uid, char *out, size_t size);

enum coord_open_result {
    COORD_OPENED,
    COORD_ABSENT, /* no file (and create not asked, or it could not be made) */
    COORD_FOREIGN, /* not a regular file of ours with mode 0600 */
    COORD_DAMAGED, /* wrong size, magic or version */
    COORD_FAILED, /* some system call failed */
};

/* Opens (with create: makes, 0600, initialised under an exclusive flock) and maps the file.
   writable false maps it read-only. On COORD_OPENED *out is the mapping (COORD_FILE_SIZE). */
enum coord_open_result coord_file_open(const char *path, bool create, bool writable,
                                       struct coord_file **out);
void coord_file_close(struct coord_file *file);

const char *coord_open_result_text(enum coord_open_result result);

#endif
