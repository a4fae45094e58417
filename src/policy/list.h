/* Comma lists, as every list-valued TRYAGAIN_* variable is written. */
#ifndef TRYAGAIN_LIST_H
#define TRYAGAIN_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Calls each_item with every item, spaces around it trimmed. False when an item is empty
   (",,", a leading or trailing comma) or each_item refuses one. An empty text has no items. */
bool list_for_each_item(const char *text,
                        bool (*each_item)(const char *item, size_t length, void *ctx), void *ctx);

#endif
