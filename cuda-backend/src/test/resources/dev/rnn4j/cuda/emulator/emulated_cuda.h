/*
 * What rnn4j's emulated CUDA driver (emulated_cuda.c) shares with the kernels it runs: the indices of the item and
 * block being run, and the calls behind the prelude's barrier and spin guard. Tests only.
 */
#ifndef RNN4J_EMULATED_CUDA_H
#define RNN4J_EMULATED_CUDA_H

#include <stddef.h>

/* One item (CUDA thread) of a block. */
struct emu_item {
    int x;
    int y;
};

/* The block an OS thread is running: its indices, the launch's dimensions and its dynamic shared memory. */
struct emu_block {
    int x;
    int y;
    int dim_x;
    int dim_y;
    int groups_x;
    int groups_y;
    float* dynamic;
};

extern __thread struct emu_item* emu_item;
extern __thread struct emu_block emu_block;

/* __syncthreads: every live item of the block arrives before any leaves. */
void emu_barrier(void);
/* One turn of a spin-wait: lets the other items and blocks run; after too long, fails the launch (CUDA's trap). */
void emu_spin(long spins);

/* A kernel as the generated table describes it. */
struct emu_kernel {
    const char* name;
    /* Calls the kernel with its arguments, each read from the slot args[i] points to. */
    void (*run)(void** args);
    int arg_count;
    /* Per argument: 'p' pointer, 'i' int, 'f' float. */
    const char* arg_kinds;
    /* Whether the body reaches a barrier: its items then run as fibers, else one after another. */
    int has_barrier;
    /* The bytes its LOCAL arrays take (CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES). */
    int static_shared;
};

extern const struct emu_kernel emu_kernels[];
extern const int emu_kernel_count;

#endif
