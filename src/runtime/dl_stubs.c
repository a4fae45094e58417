/* The exported dlopen and dlsym: each asks a C function (dl_reach.c) what to do, puts the
   program's arguments back, and jumps to the function chosen. A jump, never a call: glibc
   takes the caller of dlopen from the return address (for RUNPATH, $ORIGIN, relative names
   and the namespace), and of dlsym too (RTLD_NEXT, RTLD_DEFAULT), so the return address the
   C library sees must be the program's own. Written in assembly for x86_64 and aarch64,
   where a C compiler gives no guarantee of a tail call (none at -O0 or -O1); elsewhere in C
   with sibling calls forced on, which tests/integration/test_dl_reach.c checks by building
   the library that way too. */
#include "runtime/dl_reach.h"
#include "runtime/real_dl.h"

#if defined(__x86_64__) && !defined(TRYAGAIN_DL_STUBS_IN_C)

/* The stack is 16-byte aligned at the call: 8 (return address) + 16 (saved arguments) + 8. */
__asm__(".text\n"
        ".globl dlopen\n"
        ".type dlopen, @function\n"
        ".p2align 4\n"
        "dlopen:\n"
        ".cfi_startproc\n"
        "    endbr64\n"
        "    pushq %rdi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    pushq %rsi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    subq $8, %rsp\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    call dl_reach_open_mode\n"
        "    addq $8, %rsp\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    popq %rsi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    popq %rdi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    movl %eax, %esi\n"
        "    jmp *real_dlopen_function(%rip)\n"
        ".cfi_endproc\n"
        ".size dlopen, .-dlopen\n"
        "\n"
        ".globl dlsym\n"
        ".type dlsym, @function\n"
        ".p2align 4\n"
        "dlsym:\n"
        ".cfi_startproc\n"
        "    endbr64\n"
        "    pushq %rdi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    pushq %rsi\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    subq $8, %rsp\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    call dl_reach_dlsym_target\n"
        "    addq $8, %rsp\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    popq %rsi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    popq %rdi\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    jmp *%rax\n"
        ".cfi_endproc\n"
        ".size dlsym, .-dlsym\n");

#elif defined(__aarch64__) && !defined(TRYAGAIN_DL_STUBS_IN_C)

/* x29/x30 saved as a frame record, the arguments beside them; x16 is the intra-procedure
   scratch register a branch through it may use. hint 34 is "bti c", a no-op without BTI. */
__asm__(".text\n"
        ".globl dlopen\n"
        ".type dlopen, %function\n"
        ".p2align 4\n"
        "dlopen:\n"
        ".cfi_startproc\n"
        "    hint 34\n"
        "    stp x29, x30, [sp, #-32]!\n"
        ".cfi_def_cfa_offset 32\n"
        ".cfi_offset 29, -32\n"
        ".cfi_offset 30, -24\n"
        "    mov x29, sp\n"
        "    stp x0, x1, [sp, #16]\n"
        "    bl dl_reach_open_mode\n"
        "    mov w1, w0\n"
        "    ldr x0, [sp, #16]\n"
        "    ldp x29, x30, [sp], #32\n"
        ".cfi_restore 29\n"
        ".cfi_restore 30\n"
        ".cfi_def_cfa_offset 0\n"
        "    adrp x16, real_dlopen_function\n"
        "    ldr x16, [x16, #:lo12:real_dlopen_function]\n"
        "    br x16\n"
        ".cfi_endproc\n"
        ".size dlopen, .-dlopen\n"
        "\n"
        ".globl dlsym\n"
        ".type dlsym, %function\n"
        ".p2align 4\n"
        "dlsym:\n"
        ".cfi_startproc\n"
        "    hint 34\n"
        "    stp x29, x30, [sp, #-32]!\n"
        ".cfi_def_cfa_offset 32\n"
        ".cfi_offset 29, -32\n"
        ".cfi_offset 30, -24\n"
        "    mov x29, sp\n"
        "    stp x0, x1, [sp, #16]\n"
        "    bl dl_reach_dlsym_target\n"
        "    mov x16, x0\n"
        "    ldp x0, x1, [sp, #16]\n"
        "    ldp x29, x30, [sp], #32\n"
        ".cfi_restore 29\n"
        ".cfi_restore 30\n"
        ".cfi_def_cfa_offset 0\n"
        "    br x16\n"
        ".cfi_endproc\n"
        ".size dlsym, .-dlsym\n");

#else

/* Nothing may follow the calls below, and these two functions are optimised with sibling
   calls whatever the -O level of the build (checked at -O0: mk/reach.mk): each call compiles
   to a jump. */
#define EXPORT __attribute__((visibility("default")))
#define TAIL_CALLED __attribute__((optimize("O2", "optimize-sibling-calls"), noinline))

EXPORT TAIL_CALLED void *dlopen(const char *file, int mode)
{
    int passed_mode = dl_reach_open_mode(file, mode);
    return real_dlopen_function(file, passed_mode);
}

EXPORT TAIL_CALLED void *dlsym(void *handle, const char *name)
{
    dlsym_fn target = (dlsym_fn)dl_reach_dlsym_target(handle, name);
    return target(handle, name);
}

#endif
