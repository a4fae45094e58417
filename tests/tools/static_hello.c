/* A statically linked program: what tryagain doctor must recognise as out of LD_PRELOAD's
   reach. */
#include <stdio.h>

int main(void)
{
    puts("hello from a static binary");
    return 0;
}
