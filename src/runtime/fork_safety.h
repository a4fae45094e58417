/* Every lock of the library, listed once, and what happens to each around fork(). A new lock
   is a new entry in enum library_lock; nothing else is needed for it to be fork-safe. */
#ifndef TRYAGAIN_RUNTIME_FORK_SAFETY_H
#define TRYAGAIN_RUNTIME_FORK_SAFETY_H

/* Each is held only for a few instructions: never across a wait, a transfer, a real connect(),
   a call into the program, or while taking another (so no order between them matters, except
   around fork(), where they are taken in this order). */
enum library_lock {
    LOCK_HANDLE_TABLE, /* curl/handles.c: the table of per-handle state */
    LOCK_MULTI_TABLE, /* curl/multis.c: the table of the program's multi handles */
    LOCK_LOG_FILE, /* runtime/log.c: the log file's descriptor and identity */
    LOCK_RESOLVED_NAMES, /* runtime/resolved.c: the addresses listed names resolved to */
    LOCK_COUNT
};

void lock_take(enum library_lock lock);
void lock_give(enum library_lock lock);

#endif
