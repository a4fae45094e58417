/* Linked with ctor_transfer.so, whose constructor performs a transfer before this main() runs.
   main() itself never touches libcurl. */
#include <stdio.h>

int main(void)
{
    puts("main ran");
    return 0;
}
