/*
 * rnn4j's emulated CUDA driver: the part of libcuda.so.1's driver API that the CUDA backend calls, run on the CPU,
 * so the backend's host code (contexts, streams, events, pinned transfers, module loading, launch parameters,
 * cooperative launches) runs end to end on machines without a GPU. Built by the tests (EmulatedCuda) into a
 * library whose soname is libcuda.so.1, loaded before JCuda so that JCuda's natives bind to it. Tests only: it is
 * no stand-in for a GPU's numerics, memory model or speed, and nothing it runs is reported as a GPU run.
 *
 * What it does check, more strictly than a GPU would: every call that needs a context finds one current on its
 * thread; work on a stream runs only when the host waits for it (a stream synchronisation, an event, a blocking
 * copy, a free), so a host that reads a pinned buffer before waiting sees stale bytes, and one that refills a pinned
 * buffer before the copy from it completed sends the new bytes; device memory starts as NaN; kernel pointer
 * arguments and copy ranges must lie inside live allocations; guard bytes around each allocation catch writes past
 * its ends; a launch's shape and shared memory are checked against the device's limits, a cooperative launch's
 * grid against what can be resident; everything left allocated when the context is released is counted as leaked;
 * during a stream capture, the capturing thread may not wait, allocate or free (the capture is invalidated). Graphs
 * captured from a stream replay copies of the captured ops.
 *
 * The kernels come from the shared body (KernelSource.body(), written as cells.c) compiled with
 * prelude_emulated.h and a table generated from their signatures.
 * Items of a block that reaches a barrier run as fibers (ucontext) on one OS thread; a cooperative launch runs
 * each block on an OS thread of its own, so the barrier between blocks really waits. Blocks, and items between
 * barriers, run in an order that changes from launch to launch.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "emulated_cuda.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
    SUCCESS = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_INITIALIZED = 3,
    INVALID_DEVICE = 101,
    INVALID_IMAGE = 200,
    INVALID_CONTEXT = 201,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    STREAM_CAPTURE_UNSUPPORTED = 900,
    STREAM_CAPTURE_INVALIDATED = 901,
    STREAM_CAPTURE_WRONG_THREAD = 908,
    ILLEGAL_ADDRESS = 700,
    LAUNCH_OUT_OF_RESOURCES = 701,
    LAUNCH_FAILED = 719,
    COOPERATIVE_LAUNCH_TOO_LARGE = 720,
    NOT_SUPPORTED = 801
};

/* The emulated device: an H100-like shape with few multiprocessors, so cooperative grids stay small. */
#define DEVICE_NAME "rnn4j emulated CUDA device (CPU)"
#define DEVICE_MEMORY (1ull << 30)
#define MULTIPROCESSORS 4
#define MAX_THREADS_PER_BLOCK 1024
#define MAX_THREADS_PER_MULTIPROCESSOR 2048
#define SHARED_PER_BLOCK_DEFAULT 49152
#define SHARED_PER_BLOCK_OPTIN 232448
#define SHARED_PER_MULTIPROCESSOR 233472
#define DRIVER_VERSION 12060
/* Bytes of guard pattern before and after each allocation. */
#define GUARD 256
#define GUARD_BYTE 0xA5
#define MAX_ARGS 96
#define FIBER_STACK (128 * 1024)
/* A spin-wait this long (a real one lasts microseconds) is a hung barrier: the launch fails, as CUDA's trap does. */
#define SPIN_SECONDS 20

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;
/* An error that, as on a GPU after a faulting kernel, every later call returns. */
static CUresult sticky;

static void report(const char* format, ...) __attribute__((format(printf, 1, 2)));

static void report(const char* format, ...) {
    va_list args;
    va_start(args, format);
    fputs("rnn4j emulated CUDA: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(args);
}

/* ---- contexts ---------------------------------------------------------------------------------------------- */

struct context {
    int retained;
};

static struct context primary;
static __thread struct context* current;

/* ---- memory ------------------------------------------------------------------------------------------------ */

/*
 * Device memory ends where an inaccessible page begins, so a kernel that reads or writes past an allocation's end
 * faults at once (the JVM dies, naming the kernel's frame: a GPU would report an illegal address); guard bytes
 * before it catch writes in front. Pinned host memory has guard bytes at both ends.
 */
struct allocation {
    unsigned char* map;
    size_t span;
    uintptr_t base;
    size_t bytes;
    int pinned;
    struct allocation* next;
};

static struct allocation* allocations;
static size_t device_bytes_used;
static long leaked;

static struct allocation* find(uintptr_t address, size_t bytes, int pinned) {
    for (struct allocation* a = allocations; a != NULL; a = a->next) {
        if (a->pinned == pinned && address >= a->base && address - a->base <= a->bytes
                && bytes <= a->bytes - (address - a->base)) {
            return a;
        }
    }
    return NULL;
}

static unsigned char* front_guard(const struct allocation* a) {
    return (unsigned char*) a->base - GUARD;
}

static unsigned char* back_guard(const struct allocation* a) {
    return a->pinned ? (unsigned char*) a->base + a->bytes : NULL;
}

static void write_guards(const struct allocation* a) {
    memset(front_guard(a), GUARD_BYTE, GUARD);
    if (back_guard(a) != NULL) {
        memset(back_guard(a), GUARD_BYTE, GUARD);
    }
}

static int guards_intact(const struct allocation* a) {
    for (size_t i = 0; i < GUARD; i++) {
        if (front_guard(a)[i] != GUARD_BYTE || (back_guard(a) != NULL && back_guard(a)[i] != GUARD_BYTE)) {
            return 0;
        }
    }
    return 1;
}

/* After work ran: a write past an allocation's ends is, as on a GPU, an illegal address every later call reports. */
static void check_guards(void) {
    for (struct allocation* a = allocations; a != NULL; a = a->next) {
        if (!guards_intact(a)) {
            report("a kernel or copy wrote past the ends of the %s allocation at %#lx (%zu bytes)",
                   a->pinned ? "pinned host" : "device", (unsigned long) a->base, a->bytes);
            sticky = ILLEGAL_ADDRESS;
            write_guards(a);
        }
    }
}

static CUresult allocate(uintptr_t* out, size_t bytes, int pinned) {
    if (bytes == 0) {
        return INVALID_VALUE;
    }
    if (!pinned && bytes > DEVICE_MEMORY - device_bytes_used) {
        return OUT_OF_MEMORY;
    }
    struct allocation* a = calloc(1, sizeof *a);
    if (a == NULL) {
        return OUT_OF_MEMORY;
    }
    if (pinned) {
        a->map = malloc(bytes + 2 * GUARD);
        a->base = (uintptr_t) (a->map + GUARD);
    } else {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        a->span = (GUARD + bytes + page - 1) / page * page + page;
        void* m = mmap(NULL, a->span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        a->map = m == MAP_FAILED ? NULL : m;
        if (a->map != NULL) {
            mprotect(a->map + a->span - page, page, PROT_NONE);
            a->base = (uintptr_t) (a->map + a->span - page - bytes);
        }
    }
    if (a->map == NULL) {
        free(a);
        return OUT_OF_MEMORY;
    }
    a->bytes = bytes;
    a->pinned = pinned;
    write_guards(a);
    /* Device memory starts as NaN (0xFF bytes): a kernel that reads what nobody wrote shows in its results. */
    memset((void*) a->base, pinned ? 0 : 0xFF, bytes);
    a->next = allocations;
    allocations = a;
    if (!pinned) {
        device_bytes_used += bytes;
    }
    *out = a->base;
    return SUCCESS;
}

static CUresult release_allocation(uintptr_t base, int pinned) {
    for (struct allocation** p = &allocations; *p != NULL; p = &(*p)->next) {
        struct allocation* a = *p;
        if (a->base == base && a->pinned == pinned) {
            if (!guards_intact(a)) {
                report("the %s allocation at %#lx (%zu bytes) was written past its ends",
                       pinned ? "pinned host" : "device", (unsigned long) base, a->bytes);
                sticky = ILLEGAL_ADDRESS;
            }
            *p = a->next;
            if (!pinned) {
                device_bytes_used -= a->bytes;
            }
            if (pinned) {
                free(a->map);
            } else {
                munmap(a->map, a->span);
            }
            free(a);
            return SUCCESS;
        }
    }
    report("free of %#lx, which is no live %s allocation", (unsigned long) base, pinned ? "pinned host" : "device");
    return INVALID_VALUE;
}

/* ---- modules and functions --------------------------------------------------------------------------------- */

struct function {
    const struct emu_kernel* kernel;
    int max_dynamic;
};

struct module {
    int loaded;
    struct function* functions;
};

static long live_modules;

/* ---- streams, events and the work queued on them ----------------------------------------------------------- */

enum { OP_KERNEL, OP_COPY, OP_CALL, OP_EVENT };

struct event;

struct op {
    int kind;
    struct op* next;
    /* OP_KERNEL */
    struct function* function;
    unsigned grid_x, grid_y, block_x, block_y, shared;
    int cooperative;
    void* argv[MAX_ARGS];
    /* OP_COPY */
    void* dst;
    const void* src;
    size_t bytes;
    /* OP_CALL: fn(payload) */
    void (*fn)(void*);
    /* OP_EVENT */
    struct event* event;
    long generation;
    /* The bytes of data: the kernel's argument slots or the call's payload. */
    size_t data_bytes;
    unsigned char data[];
};

struct stream {
    struct op* head;
    struct op* tail;
    struct stream* next;
    /* While a capture is on: the thread capturing (its unsafe calls break the capture), and the ops captured. */
    int capturing;
    int invalidated;
    pthread_t capturer;
    struct op* captured_head;
    struct op* captured_tail;
};

/* A captured graph, or an instantiated one: its ops in order. */
struct graph {
    struct op* head;
};

static long live_graphs;

struct event {
    struct stream* stream;
    long generation;
    int complete;
};

static struct stream* streams;
static long live_streams;
static long live_events;
static long synchronisations;
static long launches;
static long cooperative_launches;
static long graph_launches;

static void run_kernel(struct op* op);

static void run(struct op* op) {
    switch (op->kind) {
        case OP_KERNEL:
            run_kernel(op);
            break;
        case OP_COPY:
            memcpy(op->dst, op->src, op->bytes);
            break;
        case OP_CALL:
            op->fn(op->data);
            break;
        default:
            if (op->event->generation == op->generation) {
                op->event->complete = 1;
            }
            break;
    }
}

static void run_one(struct stream* s) {
    struct op* op = s->head;
    s->head = op->next;
    if (s->head == NULL) {
        s->tail = NULL;
    }
    if (sticky == SUCCESS) {
        run(op);
    }
    free(op);
}

static void drain(struct stream* s) {
    while (s->head != NULL) {
        run_one(s);
    }
}

/* What the host waits for: everything queued anywhere (the legacy default stream's semantics). */
static void drain_all(void) {
    for (struct stream* s = streams; s != NULL; s = s->next) {
        drain(s);
    }
    check_guards();
}

static void append(struct op** head, struct op** tail, struct op* op) {
    op->next = NULL;
    if (*tail == NULL) {
        *head = op;
    } else {
        (*tail)->next = op;
    }
    *tail = op;
}

/*
 * Queues op on s; while s is being captured, the op goes into the capture instead of running. CUDA captures work
 * from any thread; here work from a thread other than the capturing one is an error every later call reports (it
 * is never what the backend means: another thread's upload would run only when the graph does).
 */
static void enqueue(struct stream* s, struct op* op) {
    if (s->capturing && !pthread_equal(s->capturer, pthread_self())) {
        report("work enqueued from another thread on a stream being captured");
        sticky = STREAM_CAPTURE_WRONG_THREAD;
    }
    if (s->capturing) {
        append(&s->captured_head, &s->captured_tail, op);
    } else {
        append(&s->head, &s->tail, op);
    }
}

static struct op* copy_op(const struct op* op) {
    struct op* c = malloc(sizeof *c + op->data_bytes);
    memcpy(c, op, sizeof *c + op->data_bytes);
    c->next = NULL;
    if (op->kind == OP_KERNEL) {
        for (int i = 0; i < op->function->kernel->arg_count; i++) {
            c->argv[i] = c->data + (size_t) i * 8;
        }
    }
    return c;
}

static void free_ops(struct op* op) {
    while (op != NULL) {
        struct op* next = op->next;
        free(op);
        op = next;
    }
}

/*
 * Whether the calling thread is capturing a stream: then a call that would wait, allocate or free is what CUDA
 * refuses during a thread-local capture; the capture is invalidated, as CUDA does, and the caller gets the error.
 */
static int breaks_capture(const char* what) {
    for (struct stream* t = streams; t != NULL; t = t->next) {
        if (t->capturing && pthread_equal(t->capturer, pthread_self())) {
            report("%s while this thread captures a stream: the capture is invalidated", what);
            t->invalidated = 1;
            return 1;
        }
    }
    return 0;
}

static int known_stream(struct stream* s) {
    for (struct stream* t = streams; t != NULL; t = t->next) {
        if (t == s) {
            return 1;
        }
    }
    return 0;
}

/* ---- running kernels --------------------------------------------------------------------------------------- */

__thread struct emu_item* emu_item;
__thread struct emu_block emu_block;

struct fiber {
    ucontext_t context;
    struct emu_item item;
    int done;
    char* stack;
};

/* One OS thread's means of running a block: its fibers, their scheduler and the block's barrier. */
struct worker {
    ucontext_t scheduler;
    struct fiber* fibers;
    int capacity;
    struct fiber* current;
    const struct emu_kernel* kernel;
    void** argv;
    int live;
    int arrived;
    long generation;
    int trapped;
    struct timespec started;
    float* dynamic;
    size_t dynamic_bytes;
    /* Picks the order in which blocks and items run. */
    unsigned long seed;
};

static __thread struct worker* self;
/* The item being run when a block's items run one after another. */
static __thread struct emu_item flat_item;

static struct worker* new_worker(void) {
    struct worker* w = calloc(1, sizeof *w);
    if (w == NULL) {
        report("out of host memory for a worker");
        abort();
    }
    return w;
}

static void ensure_fibers(struct worker* w, int n) {
    if (n <= w->capacity) {
        return;
    }
    w->fibers = realloc(w->fibers, (size_t) n * sizeof *w->fibers);
    for (int i = w->capacity; i < n; i++) {
        /* A guard page below each stack turns an overflow into a fault, not silent corruption. */
        char* s = mmap(NULL, FIBER_STACK + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (w->fibers == NULL || s == MAP_FAILED) {
            report("out of host memory for %d fibers", n);
            abort();
        }
        mprotect(s, 4096, PROT_NONE);
        w->fibers[i].stack = s + 4096;
    }
    w->capacity = n;
}

static void ensure_dynamic(struct worker* w, size_t bytes) {
    if (bytes > w->dynamic_bytes) {
        free(w->dynamic);
        w->dynamic = malloc(bytes);
        w->dynamic_bytes = bytes;
    }
    if (bytes > 0) {
        memset(w->dynamic, 0xFF, bytes);
    }
}

static void yield(void) {
    struct worker* w = self;
    swapcontext(&w->current->context, &w->scheduler);
}

void emu_barrier(void) {
    struct worker* w = self;
    if (w == NULL || w->current == NULL) {
        report("kernel %s reached a barrier but its table entry says it has none", w ? w->kernel->name : "?");
        abort();
    }
    long generation = w->generation;
    if (++w->arrived == w->live) {
        w->arrived = 0;
        w->generation++;
        return;
    }
    while (w->generation == generation) {
        yield();
    }
}

void emu_spin(long spins) {
    struct worker* w = self;
    if ((spins & 1023) == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - w->started.tv_sec > SPIN_SECONDS) {
            report("kernel %s block (%d, %d) waited at a barrier for over %d s: failing the launch",
                   w->kernel->name, emu_block.x, emu_block.y, SPIN_SECONDS);
            w->trapped = 1;
            swapcontext(&w->current->context, &w->scheduler); /* never resumed */
        }
    }
    sched_yield();
    if (w->current != NULL) {
        yield();
    }
}

static void fiber_main(void) {
    struct worker* w = self;
    w->kernel->run(w->argv);
    w->current->done = 1;
}

/*
 * An order of 0 … n−1 that changes from launch to launch (i·stride + offset mod n, stride coprime with n;
 * every other launch backwards): a GPU runs blocks, and items between barriers, in no set order, so neither does
 * this, and a kernel that needs one shows it.
 */
struct order {
    unsigned long n;
    unsigned long stride;
    unsigned long offset;
};

static unsigned long gcd(unsigned long a, unsigned long b) {
    while (b != 0) {
        unsigned long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static struct order order_of(unsigned long n, unsigned long seed) {
    struct order o = {n, 1, 0};
    if (n > 2) {
        o.offset = seed % n;
        o.stride = seed % 2 == 0 ? n - 1 : n / 2 + 1;
        while (gcd(o.stride, n) != 1) {
            o.stride++;
        }
    }
    return o;
}

static int order_at(const struct order* o, unsigned long i) {
    return (int) ((i * o->stride + o->offset) % o->n);
}

/* Runs one block of w's kernel on the calling thread; returns 0, or 1 when it trapped. */
static int run_block(struct worker* w, int block_x, int block_y) {
    emu_block.x = block_x;
    emu_block.y = block_y;
    int n = emu_block.dim_x * emu_block.dim_y;
    struct order items = order_of((unsigned long) n, w->seed + (unsigned long) block_x * 7 + (unsigned long) block_y);
    if (!w->kernel->has_barrier) {
        emu_item = &flat_item;
        for (int i = 0; i < n; i++) {
            int at = order_at(&items, (unsigned long) i);
            flat_item.x = at % emu_block.dim_x;
            flat_item.y = at / emu_block.dim_x;
            w->kernel->run(w->argv);
        }
        return 0;
    }
    ensure_fibers(w, n);
    for (int i = 0; i < n; i++) {
        struct fiber* f = &w->fibers[i];
        f->item.x = i % emu_block.dim_x;
        f->item.y = i / emu_block.dim_x;
        f->done = 0;
        getcontext(&f->context);
        f->context.uc_stack.ss_sp = f->stack;
        f->context.uc_stack.ss_size = FIBER_STACK;
        f->context.uc_link = &w->scheduler;
        makecontext(&f->context, fiber_main, 0);
    }
    w->live = n;
    w->arrived = 0;
    while (w->live > 0 && !w->trapped) {
        for (int i = 0; i < n && !w->trapped; i++) {
            struct fiber* f = &w->fibers[order_at(&items, (unsigned long) i)];
            if (f->done) {
                continue;
            }
            w->current = f;
            emu_item = &f->item;
            swapcontext(&w->scheduler, &f->context);
            if (f->done) {
                w->live--;
                /* Items that returned no longer hold the others at a barrier. */
                if (w->arrived > 0 && w->arrived == w->live) {
                    w->arrived = 0;
                    w->generation++;
                }
            }
        }
    }
    w->current = NULL;
    return w->trapped;
}

static void start_worker(struct worker* w, struct op* op) {
    w->kernel = op->function->kernel;
    w->argv = op->argv;
    w->trapped = 0;
    w->current = NULL;
    w->seed = (unsigned long) launches;
    clock_gettime(CLOCK_MONOTONIC, &w->started);
    ensure_dynamic(w, op->shared);
    emu_block.dim_x = (int) op->block_x;
    emu_block.dim_y = (int) op->block_y;
    emu_block.groups_x = (int) op->grid_x;
    emu_block.groups_y = (int) op->grid_y;
    emu_block.dynamic = w->dynamic;
}

struct resident {
    pthread_t thread;
    struct worker* worker;
    struct op* op;
    int block_x;
    int block_y;
    int trapped;
};

static void* run_resident(void* arg) {
    struct resident* r = arg;
    self = r->worker;
    start_worker(self, r->op);
    r->trapped = run_block(self, r->block_x, r->block_y);
    return NULL;
}

static struct worker* resident_workers[MULTIPROCESSORS * 32];

static void run_kernel(struct op* op) {
    if (self == NULL) {
        self = new_worker();
    }
    launches++;
    if (!op->cooperative) {
        start_worker(self, op);
        struct order blocks = order_of((unsigned long) op->grid_x * op->grid_y, self->seed);
        for (unsigned long b = 0; b < (unsigned long) op->grid_x * op->grid_y; b++) {
            int at = order_at(&blocks, b);
            if (run_block(self, at % (int) op->grid_x, at / (int) op->grid_x)) {
                sticky = LAUNCH_FAILED;
                return;
            }
        }
        return;
    }
    /* Every block resident at once: a thread each, so a block may wait for the others. */
    cooperative_launches++;
    int blocks = (int) (op->grid_x * op->grid_y);
    struct resident r[MULTIPROCESSORS * 32];
    for (int b = 0; b < blocks; b++) {
        if (resident_workers[b] == NULL) {
            resident_workers[b] = new_worker();
        }
        r[b].worker = resident_workers[b];
        r[b].op = op;
        r[b].block_x = b % (int) op->grid_x;
        r[b].block_y = b / (int) op->grid_x;
        r[b].trapped = 0;
        if (pthread_create(&r[b].thread, NULL, run_resident, &r[b]) != 0) {
            report("could not start a thread for block %d of a cooperative launch", b);
            abort();
        }
    }
    for (int b = 0; b < blocks; b++) {
        pthread_join(r[b].thread, NULL);
        if (r[b].trapped) {
            sticky = LAUNCH_FAILED;
        }
    }
}

/* ---- the driver API ---------------------------------------------------------------------------------------- */

#define ENTER()                          \
    pthread_mutex_lock(&lock);           \
    CUresult result_ = entry_check();    \
    if (result_ != SUCCESS) {            \
        pthread_mutex_unlock(&lock);     \
        return result_;                  \
    }
#define ENTER_IN_CONTEXT()                                                           \
    ENTER();                                                                         \
    if (current == NULL || current->retained == 0) {                                 \
        report("%s called with no context current on this thread", __func__);       \
        pthread_mutex_unlock(&lock);                                                 \
        return INVALID_CONTEXT;                                                      \
    }
/* For a call that waits, allocates or frees: refused from a thread that is capturing a stream. */
#define ENTER_UNSAFE_IN_CAPTURE()                                                    \
    ENTER_IN_CONTEXT();                                                              \
    if (breaks_capture(__func__)) {                                                  \
        pthread_mutex_unlock(&lock);                                                 \
        return STREAM_CAPTURE_UNSUPPORTED;                                           \
    }
#define LEAVE(r)                         \
    do {                                 \
        CUresult r_ = (r);               \
        pthread_mutex_unlock(&lock);     \
        return r_;                       \
    } while (0)

static CUresult entry_check(void) {
    if (!initialised) {
        return NOT_INITIALIZED;
    }
    return sticky;
}

CUresult cuInit(unsigned flags) {
    if (flags != 0) {
        return INVALID_VALUE;
    }
    pthread_mutex_lock(&lock);
    initialised = 1;
    pthread_mutex_unlock(&lock);
    return SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
    if (version == NULL) {
        return INVALID_VALUE;
    }
    *version = DRIVER_VERSION;
    return SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
    ENTER();
    *count = 1;
    LEAVE(SUCCESS);
}

CUresult cuDeviceGet(int* device, int ordinal) {
    ENTER();
    if (ordinal != 0) {
        LEAVE(INVALID_DEVICE);
    }
    *device = 0;
    LEAVE(SUCCESS);
}

CUresult cuDeviceGetName(char* name, int length, int device) {
    ENTER();
    if (device != 0) {
        LEAVE(INVALID_DEVICE);
    }
    snprintf(name, (size_t) length, "%s", DEVICE_NAME);
    LEAVE(SUCCESS);
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, int device) {
    ENTER();
    if (device != 0) {
        LEAVE(INVALID_DEVICE);
    }
    *bytes = DEVICE_MEMORY;
    LEAVE(SUCCESS);
}

CUresult cuDeviceGetAttribute(int* value, int attribute, int device) {
    ENTER();
    if (device != 0) {
        LEAVE(INVALID_DEVICE);
    }
    switch (attribute) {
        case 1: *value = MAX_THREADS_PER_BLOCK; break;
        case 8: *value = SHARED_PER_BLOCK_DEFAULT; break;
        case 16: *value = MULTIPROCESSORS; break;
        case 39: *value = MAX_THREADS_PER_MULTIPROCESSOR; break;
        case 75: *value = 9; break;
        case 76: *value = 0; break;
        case 81: *value = SHARED_PER_MULTIPROCESSOR; break;
        case 95: *value = 1; break;
        case 97: *value = SHARED_PER_BLOCK_OPTIN; break;
        default:
            report("device attribute %d is not emulated", attribute);
            LEAVE(INVALID_VALUE);
    }
    LEAVE(SUCCESS);
}

CUresult cuDevicePrimaryCtxRetain(struct context** context, int device) {
    ENTER();
    if (device != 0) {
        LEAVE(INVALID_DEVICE);
    }
    primary.retained++;
    *context = &primary;
    LEAVE(SUCCESS);
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) {
    ENTER();
    if (device != 0 || primary.retained == 0) {
        LEAVE(INVALID_VALUE);
    }
    if (--primary.retained == 0) {
        /* The context goes: whatever is still allocated in it was leaked. */
        drain_all();
        long n = live_streams + live_events + live_modules + live_graphs;
        for (struct allocation* a = allocations; a != NULL; a = a->next) {
            n++;
        }
        if (n > 0) {
            report("the context was released with %ld objects still allocated", n);
            leaked += n;
        }
    }
    LEAVE(SUCCESS);
}

CUresult cuCtxSetCurrent(struct context* context) {
    ENTER();
    if (context != NULL && context != &primary) {
        LEAVE(INVALID_CONTEXT);
    }
    current = context;
    LEAVE(SUCCESS);
}

CUresult cuCtxGetCurrent(struct context** context) {
    ENTER();
    *context = current;
    LEAVE(SUCCESS);
}

CUresult cuCtxSynchronize(void) {
    ENTER_UNSAFE_IN_CAPTURE();
    synchronisations++;
    drain_all();
    LEAVE(sticky);
}

/*
 * Set by the tests to inject faults: the n-th device allocation from now (1: the next) fails as out of memory (0);
 * the n-th kernel launch from now fails with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, an error that leaves the context
 * usable as on a GPU (1); the n-th kernel launch from now is accepted and its kernel then faults, as one reading
 * past an allocation would on a GPU: CUDA_ERROR_ILLEGAL_ADDRESS, sticky, from every later call of the process (2).
 * 0 disarms.
 */
static long fail_allocation_in;
static long fail_launch_in;
static long trap_launch_in;

void rnn4j_emulated_inject(int which, long n) {
    pthread_mutex_lock(&lock);
    if (which == 0) {
        fail_allocation_in = n;
    } else if (which == 1) {
        fail_launch_in = n;
    } else {
        trap_launch_in = n;
    }
    pthread_mutex_unlock(&lock);
}

/* Whether this launch is the one armed to fault; if so, the fault is made sticky (the launch itself succeeds). */
static int traps(const char* call) {
    if (trap_launch_in > 0 && --trap_launch_in == 0) {
        report("%s: the kernel faulted (injected): CUDA_ERROR_ILLEGAL_ADDRESS from every later call", call);
        sticky = ILLEGAL_ADDRESS;
        return 1;
    }
    return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr* out, size_t bytes) {
    ENTER_UNSAFE_IN_CAPTURE();
    if (fail_allocation_in > 0 && --fail_allocation_in == 0) {
        *out = 0;
        LEAVE(OUT_OF_MEMORY);
    }
    uintptr_t p = 0;
    CUresult r = allocate(&p, bytes, 0);
    *out = p;
    LEAVE(r);
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    ENTER_UNSAFE_IN_CAPTURE();
    /* As cudaFree: the device finishes its work first. */
    drain_all();
    CUresult r = release_allocation((uintptr_t) p, 0);
    LEAVE(r != SUCCESS ? r : sticky);
}

CUresult cuMemAllocHost_v2(void** out, size_t bytes) {
    ENTER_UNSAFE_IN_CAPTURE();
    uintptr_t p = 0;
    CUresult r = allocate(&p, bytes, 1);
    *out = (void*) p;
    LEAVE(r);
}

CUresult cuMemFreeHost(void* p) {
    ENTER_UNSAFE_IN_CAPTURE();
    drain_all();
    CUresult r = release_allocation((uintptr_t) p, 1);
    LEAVE(r != SUCCESS ? r : sticky);
}

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
    ENTER_IN_CONTEXT();
    *free_bytes = DEVICE_MEMORY - device_bytes_used;
    *total = DEVICE_MEMORY;
    LEAVE(SUCCESS);
}

static CUresult check_device_range(const char* what, CUdeviceptr p, size_t bytes) {
    if (find((uintptr_t) p, bytes, 0) == NULL) {
        report("%s: %zu bytes at %#llx are not inside one live device allocation", what, bytes, p);
        return INVALID_VALUE;
    }
    return SUCCESS;
}

/* A copy on stream s: queued when the host side is pinned, else done now after the stream's work (as CUDA does). */
static CUresult copy_on(const char* what, struct stream* s, void* dst, const void* src, size_t bytes,
                        const void* host) {
    if (!known_stream(s)) {
        report("%s on a stream that is not live", what);
        return INVALID_HANDLE;
    }
    if (host != NULL && find((uintptr_t) host, bytes, 1) == NULL) {
        drain(s);
        memcpy(dst, src, bytes);
        return SUCCESS;
    }
    struct op* op = calloc(1, sizeof *op);
    op->kind = OP_COPY;
    op->dst = dst;
    op->src = src;
    op->bytes = bytes;
    enqueue(s, op);
    return SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    ENTER_UNSAFE_IN_CAPTURE();
    CUresult r = check_device_range("cuMemcpyHtoD", dst, bytes);
    if (r == SUCCESS) {
        synchronisations++;
        drain_all();
        memcpy((void*) (uintptr_t) dst, src, bytes);
    }
    LEAVE(r);
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    ENTER_UNSAFE_IN_CAPTURE();
    CUresult r = check_device_range("cuMemcpyDtoH", src, bytes);
    if (r == SUCCESS) {
        synchronisations++;
        drain_all();
        memcpy(dst, (const void*) (uintptr_t) src, bytes);
    }
    LEAVE(r != SUCCESS ? r : sticky);
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, struct stream* s) {
    ENTER_IN_CONTEXT();
    CUresult r = check_device_range("cuMemcpyHtoDAsync", dst, bytes);
    if (r == SUCCESS) {
        r = copy_on("cuMemcpyHtoDAsync", s, (void*) (uintptr_t) dst, src, bytes, src);
    }
    LEAVE(r);
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, struct stream* s) {
    ENTER_IN_CONTEXT();
    CUresult r = check_device_range("cuMemcpyDtoHAsync", src, bytes);
    if (r == SUCCESS) {
        r = copy_on("cuMemcpyDtoHAsync", s, dst, (const void*) (uintptr_t) src, bytes, dst);
    }
    LEAVE(r);
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, struct stream* s) {
    ENTER_IN_CONTEXT();
    CUresult r = check_device_range("cuMemcpyDtoDAsync (destination)", dst, bytes);
    if (r == SUCCESS) {
        r = check_device_range("cuMemcpyDtoDAsync (source)", src, bytes);
    }
    if (r == SUCCESS) {
        r = copy_on("cuMemcpyDtoDAsync", s, (void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes, NULL);
    }
    LEAVE(r);
}

CUresult cuStreamCreate(struct stream** out, unsigned flags) {
    ENTER_IN_CONTEXT();
    (void) flags;
    struct stream* s = calloc(1, sizeof *s);
    s->next = streams;
    streams = s;
    live_streams++;
    *out = s;
    LEAVE(SUCCESS);
}

CUresult cuStreamDestroy_v2(struct stream* s) {
    ENTER_IN_CONTEXT();
    if (!known_stream(s)) {
        LEAVE(INVALID_HANDLE);
    }
    drain(s);
    for (struct stream** p = &streams; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    free(s);
    live_streams--;
    LEAVE(SUCCESS);
}

CUresult cuStreamSynchronize(struct stream* s) {
    ENTER_UNSAFE_IN_CAPTURE();
    synchronisations++;
    if (s == NULL) {
        drain_all();
    } else if (!known_stream(s)) {
        LEAVE(INVALID_HANDLE);
    } else {
        drain(s);
        check_guards();
    }
    LEAVE(sticky);
}

CUresult cuEventCreate(struct event** out, unsigned flags) {
    ENTER_IN_CONTEXT();
    (void) flags;
    struct event* e = calloc(1, sizeof *e);
    e->complete = 1;
    live_events++;
    *out = e;
    LEAVE(SUCCESS);
}

CUresult cuEventRecord(struct event* e, struct stream* s) {
    ENTER_UNSAFE_IN_CAPTURE();
    if (e == NULL || !known_stream(s)) {
        LEAVE(INVALID_HANDLE);
    }
    struct op* op = calloc(1, sizeof *op);
    op->kind = OP_EVENT;
    op->event = e;
    op->generation = ++e->generation;
    e->stream = s;
    e->complete = 0;
    enqueue(s, op);
    LEAVE(SUCCESS);
}

/* Runs e's stream until e completes: only the work queued before it, as a GPU would have finished. */
static void complete(struct event* e) {
    while (!e->complete && e->stream != NULL && e->stream->head != NULL) {
        run_one(e->stream);
    }
    check_guards();
}

CUresult cuEventSynchronize(struct event* e) {
    ENTER_UNSAFE_IN_CAPTURE();
    if (e == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    synchronisations++;
    complete(e);
    LEAVE(sticky);
}

CUresult cuEventQuery(struct event* e) {
    ENTER_IN_CONTEXT();
    if (e == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    complete(e);
    LEAVE(sticky);
}

CUresult cuEventDestroy_v2(struct event* e) {
    ENTER_IN_CONTEXT();
    if (e == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    complete(e);
    /* A queued record of it may remain on another stream only if it was recorded again; drain them all first. */
    drain_all();
    free(e);
    live_events--;
    LEAVE(SUCCESS);
}

CUresult cuModuleLoadData(struct module** out, const void* image) {
    ENTER_IN_CONTEXT();
    /* Only a fatbin as nvcc writes it: the data header's magic number comes first. */
    const unsigned char* b = image;
    if (b == NULL || !(b[0] == 0x50 && b[1] == 0xED && b[2] == 0x55 && b[3] == 0xBA)) {
        report("cuModuleLoadData: the image is not a fatbin");
        LEAVE(INVALID_IMAGE);
    }
    struct module* m = calloc(1, sizeof *m);
    m->loaded = 1;
    m->functions = calloc((size_t) emu_kernel_count, sizeof *m->functions);
    for (int i = 0; i < emu_kernel_count; i++) {
        m->functions[i].kernel = &emu_kernels[i];
        m->functions[i].max_dynamic = SHARED_PER_BLOCK_DEFAULT - emu_kernels[i].static_shared;
    }
    live_modules++;
    *out = m;
    LEAVE(SUCCESS);
}

CUresult cuModuleUnload(struct module* m) {
    ENTER_IN_CONTEXT();
    if (m == NULL || !m->loaded) {
        LEAVE(INVALID_HANDLE);
    }
    drain_all();
    m->loaded = 0;
    live_modules--;
    LEAVE(SUCCESS);
}

CUresult cuModuleGetFunction(struct function** out, struct module* m, const char* name) {
    ENTER_IN_CONTEXT();
    if (m == NULL || !m->loaded) {
        LEAVE(INVALID_HANDLE);
    }
    for (int i = 0; i < emu_kernel_count; i++) {
        if (strcmp(emu_kernels[i].name, name) == 0) {
            *out = &m->functions[i];
            LEAVE(SUCCESS);
        }
    }
    LEAVE(NOT_FOUND);
}

CUresult cuFuncGetAttribute(int* value, int attribute, struct function* f) {
    ENTER_IN_CONTEXT();
    if (f == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    switch (attribute) {
        case 0: *value = MAX_THREADS_PER_BLOCK; break;
        case 1: *value = f->kernel->static_shared; break;
        case 8: *value = f->max_dynamic; break;
        default:
            report("function attribute %d is not emulated", attribute);
            LEAVE(INVALID_VALUE);
    }
    LEAVE(SUCCESS);
}

CUresult cuFuncSetAttribute(struct function* f, int attribute, int value) {
    ENTER_IN_CONTEXT();
    if (f == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    if (attribute != 8) {
        report("setting function attribute %d is not emulated", attribute);
        LEAVE(INVALID_VALUE);
    }
    if (value < 0 || value + f->kernel->static_shared > SHARED_PER_BLOCK_OPTIN) {
        LEAVE(INVALID_VALUE);
    }
    f->max_dynamic = value;
    LEAVE(SUCCESS);
}

static int blocks_per_multiprocessor(const struct function* f, int block_size, size_t dynamic) {
    size_t shared = (size_t) f->kernel->static_shared + dynamic;
    if (block_size < 1 || block_size > MAX_THREADS_PER_BLOCK || shared > SHARED_PER_BLOCK_OPTIN) {
        return 0;
    }
    int by_threads = MAX_THREADS_PER_MULTIPROCESSOR / block_size;
    int by_shared = shared == 0 ? 32 : (int) (SHARED_PER_MULTIPROCESSOR / shared);
    int n = by_threads < by_shared ? by_threads : by_shared;
    return n < 32 ? n : 32;
}

CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, struct function* f, int block_size,
                                                     size_t dynamic) {
    ENTER_IN_CONTEXT();
    if (f == NULL) {
        LEAVE(INVALID_HANDLE);
    }
    *blocks = blocks_per_multiprocessor(f, block_size, dynamic);
    LEAVE(SUCCESS);
}

static CUresult launch(const char* what, struct function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                       unsigned by, unsigned bz, unsigned shared, struct stream* s, void** params, int cooperative) {
    if (f == NULL) {
        return INVALID_HANDLE;
    }
    const struct emu_kernel* k = f->kernel;
    if (gz != 1 || bz != 1) {
        report("%s of %s: three-dimensional launches are not emulated", what, k->name);
        return NOT_SUPPORTED;
    }
    if (gx == 0 || gy == 0 || bx == 0 || by == 0 || gx > 0x7fffffffu || gy > 65535) {
        return INVALID_VALUE;
    }
    if (bx * by > MAX_THREADS_PER_BLOCK) {
        report("%s of %s: %u x %u threads in a block", what, k->name, bx, by);
        return INVALID_VALUE;
    }
    if ((int) shared > f->max_dynamic) {
        report("%s of %s: %u bytes of dynamic shared memory, over the %d allowed", what, k->name, shared,
               f->max_dynamic);
        return INVALID_VALUE;
    }
    if (cooperative) {
        int resident = blocks_per_multiprocessor(f, (int) (bx * by), shared) * MULTIPROCESSORS;
        if ((long) gx * gy > resident) {
            report("%s of %s: %u blocks, but only %d can be resident", what, k->name, gx * gy, resident);
            return COOPERATIVE_LAUNCH_TOO_LARGE;
        }
    }
    if (s != NULL && !known_stream(s)) {
        report("%s of %s on a stream that is not live", what, k->name);
        return INVALID_HANDLE;
    }
    if (k->arg_count > 0 && params == NULL) {
        return INVALID_VALUE;
    }
    struct op* op = calloc(1, sizeof *op + (size_t) k->arg_count * 8);
    op->data_bytes = (size_t) k->arg_count * 8;
    op->kind = OP_KERNEL;
    op->function = f;
    op->grid_x = gx;
    op->grid_y = gy;
    op->block_x = bx;
    op->block_y = by;
    op->shared = shared;
    op->cooperative = cooperative;
    for (int i = 0; i < k->arg_count; i++) {
        /* The values are copied now, as the driver does: the caller may reuse what params points to. */
        void* slot = op->data + (size_t) i * 8;
        char kind = k->arg_kinds[i];
        memcpy(slot, params[i], kind == 'p' ? 8 : 4);
        if (kind == 'p') {
            uintptr_t p = *(uintptr_t*) slot;
            if (find(p, 0, 0) == NULL) {
                report("%s of %s: argument %d (%#lx) points into no live device allocation", what, k->name, i,
                       (unsigned long) p);
                free(op);
                return INVALID_VALUE;
            }
        }
        op->argv[i] = slot;
    }
    if (s == NULL) {
        drain_all();
        run(op);
        free(op);
        check_guards();
    } else {
        enqueue(s, op);
    }
    return SUCCESS;
}

CUresult cuLaunchKernel(struct function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, struct stream* s, void** params, void** extra) {
    ENTER_IN_CONTEXT();
    if (extra != NULL) {
        report("cuLaunchKernel: 'extra' is not emulated");
        LEAVE(NOT_SUPPORTED);
    }
    if (fail_launch_in > 0 && --fail_launch_in == 0) {
        LEAVE(LAUNCH_OUT_OF_RESOURCES);
    }
    if (traps(__func__)) {
        LEAVE(SUCCESS);
    }
    LEAVE(launch("cuLaunchKernel", f, gx, gy, gz, bx, by, bz, shared, s, params, 0));
}

CUresult cuLaunchCooperativeKernel(struct function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                                   unsigned by, unsigned bz, unsigned shared, struct stream* s, void** params) {
    ENTER_IN_CONTEXT();
    if (fail_launch_in > 0 && --fail_launch_in == 0) {
        LEAVE(LAUNCH_OUT_OF_RESOURCES);
    }
    if (traps(__func__)) {
        LEAVE(SUCCESS);
    }
    LEAVE(launch("cuLaunchCooperativeKernel", f, gx, gy, gz, bx, by, bz, shared, s, params, 1));
}

/* Set by the tests, to see the backend cope with a driver that cannot capture. */
static int refuse_captures;

void rnn4j_emulated_refuse_captures(int refuse) {
    pthread_mutex_lock(&lock);
    refuse_captures = refuse;
    pthread_mutex_unlock(&lock);
}

CUresult cuStreamBeginCapture_v2(struct stream* s, int mode) {
    ENTER_IN_CONTEXT();
    if (refuse_captures) {
        LEAVE(NOT_SUPPORTED);
    }
    if (s == NULL || !known_stream(s) || s->capturing) {
        LEAVE(INVALID_VALUE);
    }
    if (mode != 1) {
        report("cuStreamBeginCapture: only thread-local capture is emulated, not mode %d", mode);
        LEAVE(NOT_SUPPORTED);
    }
    s->capturing = 1;
    s->invalidated = 0;
    s->capturer = pthread_self();
    s->captured_head = s->captured_tail = NULL;
    LEAVE(SUCCESS);
}

CUresult cuStreamEndCapture(struct stream* s, struct graph** out) {
    ENTER_IN_CONTEXT();
    if (s == NULL || !known_stream(s) || !s->capturing) {
        LEAVE(INVALID_VALUE);
    }
    s->capturing = 0;
    if (s->invalidated) {
        free_ops(s->captured_head);
        s->captured_head = s->captured_tail = NULL;
        *out = NULL;
        LEAVE(STREAM_CAPTURE_INVALIDATED);
    }
    struct graph* g = calloc(1, sizeof *g);
    g->head = s->captured_head;
    s->captured_head = s->captured_tail = NULL;
    live_graphs++;
    *out = g;
    LEAVE(SUCCESS);
}

CUresult cuGraphInstantiateWithFlags(struct graph** out, struct graph* g, unsigned long long flags) {
    ENTER_IN_CONTEXT();
    if (g == NULL || flags != 0) {
        LEAVE(INVALID_VALUE);
    }
    struct graph* exec = calloc(1, sizeof *exec);
    struct op* tail = NULL;
    for (struct op* op = g->head; op != NULL; op = op->next) {
        if (op->kind == OP_KERNEL && op->cooperative) {
            report("cuGraphInstantiate: cooperative launches in graphs are not emulated");
            free_ops(exec->head);
            free(exec);
            LEAVE(NOT_SUPPORTED);
        }
        append(&exec->head, &tail, copy_op(op));
    }
    live_graphs++;
    *out = exec;
    LEAVE(SUCCESS);
}

/* Queues a copy of every op of the instantiated graph on s, in the order captured. */
CUresult cuGraphLaunch(struct graph* exec, struct stream* s) {
    ENTER_IN_CONTEXT();
    if (exec == NULL || s == NULL || !known_stream(s)) {
        LEAVE(INVALID_HANDLE);
    }
    for (struct op* op = exec->head; op != NULL; op = op->next) {
        enqueue(s, copy_op(op));
    }
    graph_launches++;
    LEAVE(SUCCESS);
}

static CUresult destroy_graph(struct graph* g) {
    if (g == NULL) {
        return INVALID_VALUE;
    }
    free_ops(g->head);
    free(g);
    live_graphs--;
    return SUCCESS;
}

CUresult cuGraphExecDestroy(struct graph* exec) {
    ENTER_IN_CONTEXT();
    LEAVE(destroy_graph(exec));
}

CUresult cuGraphDestroy(struct graph* g) {
    ENTER_IN_CONTEXT();
    LEAVE(destroy_graph(g));
}

static const char* error_name(CUresult r) {
    switch (r) {
        case SUCCESS: return "CUDA_SUCCESS";
        case INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case STREAM_CAPTURE_UNSUPPORTED: return "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED";
        case STREAM_CAPTURE_INVALIDATED: return "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED";
        case STREAM_CAPTURE_WRONG_THREAD: return "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD";
        case ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        case LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        case COOPERATIVE_LAUNCH_TOO_LARGE: return "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE";
        case NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return NULL;
    }
}

CUresult cuGetErrorName(CUresult r, const char** name) {
    *name = error_name(r);
    return *name == NULL ? INVALID_VALUE : SUCCESS;
}

CUresult cuGetErrorString(CUresult r, const char** text) {
    return cuGetErrorName(r, text);
}

/* ---- for cuBLAS's stand-in and the tests ------------------------------------------------------------------- */

/* Queues fn(copy of payload) on stream s, in order with its kernels and copies (cuBLAS's work on its stream). */
int rnn4j_emulated_enqueue(void* s, void (*fn)(void*), const void* payload, size_t bytes) {
    pthread_mutex_lock(&lock);
    CUresult r = entry_check();
    if (r == SUCCESS && (s == NULL || !known_stream(s))) {
        report("cuBLAS work on a stream that is not live");
        r = INVALID_HANDLE;
    }
    if (r == SUCCESS) {
        struct op* op = calloc(1, sizeof *op + bytes);
        op->data_bytes = bytes;
        op->kind = OP_CALL;
        op->fn = fn;
        memcpy(op->data, payload, bytes);
        enqueue(s, op);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* Whether [p, p + bytes) lies inside one live device allocation (for cuBLAS's stand-in's checks). */
int rnn4j_emulated_device_range(const void* p, size_t bytes) {
    pthread_mutex_lock(&lock);
    int ok = find((uintptr_t) p, bytes, 0) != NULL;
    pthread_mutex_unlock(&lock);
    return ok;
}

/*
 * Counters: 0 launches, 1 host synchronisations, 2 objects leaked at context release, 3 live allocations,
 * 4 cooperative launches, 5 graph launches.
 */
long rnn4j_emulated_counter(int which) {
    pthread_mutex_lock(&lock);
    long n = 0;
    switch (which) {
        case 0: n = launches; break;
        case 1: n = synchronisations; break;
        case 2: n = leaked; break;
        case 4: n = cooperative_launches; break;
        case 5: n = graph_launches; break;
        default:
            for (struct allocation* a = allocations; a != NULL; a = a->next) {
                n++;
            }
            break;
    }
    pthread_mutex_unlock(&lock);
    return n;
}
