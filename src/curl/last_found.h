/* A thread's memory of the entry a table lookup found last. A program asks about one handle
   or multi many times in a row (dozens of options, then perform, poll, info_read...), so both
   tables answer a repeat from here, without their lock. It stays valid while no entry has left
   the table since: the table bumps its removal count, under its lock, as one leaves. */
#ifndef TRYAGAIN_LAST_FOUND_H
#define TRYAGAIN_LAST_FOUND_H

#include <stdatomic.h>
#include <stddef.h>

struct last_found {
    const void *key;
    void *entry;
    unsigned long generation; /* the table's removal count when it was found */
};

static inline void *last_found_get(const struct last_found *last, const void *key,
                                   atomic_ulong *removals)
{
    if(last->key == key && last->entry &&
       last->generation == atomic_load_explicit(removals, memory_order_acquire))
        return last->entry;
    return NULL;
}

/* generation: the removal count read under the table's lock, with the lookup. */
static inline void last_found_set(struct last_found *last, const void *key, void *entry,
                                  unsigned long generation)
{
    last->key = key;
    last->entry = entry;
    last->generation = generation;
}

/* Called under the table's lock by the thread that removes key's entry, after bumping the
   removal count from before to before + 1: when this thread's memory was good until now and is
   of another entry, that entry is still in the table, so the memory stays good. (A program
   that frees one handle and goes on with the next would otherwise pay a locked lookup.) */
static inline void last_found_keep_after_removal(struct last_found *last, const void *key,
                                                 unsigned long before)
{
    if(last->generation == before && last->key != key)
        last->generation = before + 1;
}

#endif
