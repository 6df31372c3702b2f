/* CUDA C++ dialect of rnn4j's shared kernel source (cells.c). */
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define DEVICE_FN static __device__ __forceinline__
#define GID_X() ((int) (blockIdx.x * blockDim.x + threadIdx.x))
#define LID_X() ((int) threadIdx.x)
#define LID_Y() ((int) threadIdx.y)
#define GROUP_X() ((int) blockIdx.x)
#define GROUP_Y() ((int) blockIdx.y)
#define NUM_GROUPS_X() ((int) gridDim.x)
/* A pointer into local (shared) memory; CUDA's pointers are generic. */
#define LOCAL_PTR
/* A kernel's local memory sized at launch: a placeholder parameter here, the array itself declared in the body. */
#define DYNAMIC_LOCAL_PARAM(name) int name##Floats
#define DYNAMIC_LOCAL(name) extern __shared__ float name[]
/* Device-wide atomics and fence, for the barrier across a cooperative launch's blocks. */
#define ATOMIC_ADD(p, v) atomicAdd((int*) (p), v)
#define ATOMIC_XCHG(p, v) atomicExch((int*) (p), v)
#define GLOBAL_FENCE() __threadfence()
/*
 * A wait at the barrier between steps that has spun this long (seconds; a real wait lasts microseconds) can only be
 * a bug: trap, so the launch fails with an error the host sees instead of hanging the process.
 */
#define SPIN_GUARD(spins) if ((spins) > (1LL << 26)) __trap()
#define BARRIER() __syncthreads()
/* A barrier after which the group also sees its own writes to global memory. */
#define GLOBAL_BARRIER() __syncthreads()
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
#define INT_AS_FLOAT(x) __int_as_float(x)
