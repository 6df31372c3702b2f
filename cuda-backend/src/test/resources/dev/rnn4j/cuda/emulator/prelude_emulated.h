/*
 * The C dialect of rnn4j's shared kernel source (KernelSource.body(), written as cells.c) for the emulated CUDA
 * driver (tests only): the kernels compiled by the host C compiler, run item by item on the CPU. LOCAL arrays are thread-local statics because each
 * OS thread runs one block at a time (a cooperative launch gives every block a thread of its own).
 */
#include <math.h>
#include "emulated_cuda.h"

#ifdef EMU_SCAN
/* Marks each kernel in the preprocessed text that the table generator reads. */
#define KERNEL rnn4j_emulated_kernel
#else
#define KERNEL static
#endif
#define GLOBAL
#define LOCAL static __thread
#define DEVICE_FN static inline
#define GID_X() (emu_block.x * emu_block.dim_x + emu_item->x)
#define LID_X() (emu_item->x)
#define LID_Y() (emu_item->y)
#define GROUP_X() (emu_block.x)
#define GROUP_Y() (emu_block.y)
#define NUM_GROUPS_X() (emu_block.groups_x)
#define LOCAL_PTR
#define DYNAMIC_LOCAL_PARAM(name) int name##Floats
#define DYNAMIC_LOCAL(name) float* name = emu_block.dynamic
#define ATOMIC_ADD(p, v) __atomic_fetch_add((int*) (p), (v), __ATOMIC_SEQ_CST)
#define ATOMIC_XCHG(p, v) __atomic_exchange_n((int*) (p), (v), __ATOMIC_SEQ_CST)
#define GLOBAL_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define SPIN_GUARD(spins) emu_spin(spins)
#define BARRIER() emu_barrier()
#define GLOBAL_BARRIER() emu_barrier()
#define EXPF(x) expf(x)
#define LOG1PF(x) log1pf(x)
#define TANHF(x) tanhf(x)
#define FABSF(x) fabsf(x)
#define FMAXF(a, b) fmaxf(a, b)
#define FMINF(a, b) fminf(a, b)
#define COPYSIGNF(a, b) copysignf(a, b)
#define LOGF(x) logf(x)
#define SQRTF(x) sqrtf(x)
/* The float whose bits an int holds (a step configuration's float words). */
static inline float emu_int_as_float(int x) {
    float f;
    __builtin_memcpy(&f, &x, sizeof f);
    return f;
}
#define INT_AS_FLOAT(x) emu_int_as_float(x)
