/* OpenCL C 1.2 dialect of rnn4j's shared kernel source (cells.c). */
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define DEVICE_FN static inline
#define GID_X() ((int) get_global_id(0))
#define LID_X() ((int) get_local_id(0))
#define LID_Y() ((int) get_local_id(1))
#define GROUP_X() ((int) get_group_id(0))
#define GROUP_Y() ((int) get_group_id(1))
#define NUM_GROUPS_X() ((int) get_num_groups(0))
/* A pointer into local memory. */
#define LOCAL_PTR __local
/* A kernel's local memory sized at launch (clSetKernelArg with a size and no value). */
#define DYNAMIC_LOCAL_PARAM(name) __local float* name
#define DYNAMIC_LOCAL(name)
/* Device-wide atomics and fence, for the barrier across a launch whose groups are all resident. */
#define ATOMIC_ADD(p, v) atomic_add(p, v)
#define ATOMIC_XCHG(p, v) atomic_xchg(p, v)
#define GLOBAL_FENCE() mem_fence(CLK_GLOBAL_MEM_FENCE)
/* OpenCL C has no trap; its launches never leave a group waiting for one not yet running (see SequencePlan). */
#define SPIN_GUARD(spins) (void) (spins)
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
/* A barrier after which the group also sees its own writes to global memory. */
#define GLOBAL_BARRIER() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define EXPF(x) exp(x)
#define LOG1PF(x) log1p(x)
#define TANHF(x) tanh(x)
#define FABSF(x) fabs(x)
#define FMAXF(a, b) fmax(a, b)
#define FMINF(a, b) fmin(a, b)
#define COPYSIGNF(a, b) copysign(a, b)
#define LOGF(x) log(x)
#define SQRTF(x) sqrt(x)
/* The float whose bits an int holds (a step configuration's float words). */
#define INT_AS_FLOAT(x) as_float(x)
