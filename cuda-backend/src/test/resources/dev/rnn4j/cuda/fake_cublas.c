/*
 * A stand-in for libcublas with the entry points NativeCublasGemm binds and JCublas calls, computing on host memory:
 * the column-major SGEMM of cuBLAS's reference semantics, with its argument checks (CUBLAS_STATUS_INVALID_VALUE = 7).
 * Built by the tests with the machine's C compiler. As it is, it computes during the call (NativeCublasGemmTest:
 * the binding's marshalling and its row-major to column-major mapping); built with -DRNN4J_EMULATED_CUDA beside the
 * emulated CUDA driver (emulator/emulated_cuda.c), it queues each product on the handle's stream, in order with
 * that stream's kernels and copies, and checks that the matrices lie in live device allocations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#ifdef RNN4J_EMULATED_CUDA
#include <stdio.h>
int rnn4j_emulated_enqueue(void* stream, void (*fn)(void*), const void* payload, size_t bytes);
int rnn4j_emulated_device_range(const void* p, size_t bytes);
#endif

#define MAGIC 0x7e57c0deu
#define INVALID_VALUE 7
#define EXECUTION_FAILED 13

struct handle {
    unsigned magic;
    void* stream;
};

static void* last_stream;
static int handles;

static int valid(void* h) {
    return h != NULL && ((struct handle*) h)->magic == MAGIC;
}

int cublasCreate_v2(void** handle) {
    struct handle* h = malloc(sizeof *h);
    if (h == NULL) {
        return 3; /* CUBLAS_STATUS_ALLOC_FAILED */
    }
    h->magic = MAGIC;
    h->stream = NULL;
    *handle = h;
    handles++;
    return 0;
}

int cublasDestroy_v2(void* handle) {
    if (!valid(handle)) {
        return 1;
    }
    ((struct handle*) handle)->magic = 0;
    free(handle);
    handles--;
    return 0;
}

int cublasSetStream_v2(void* handle, void* stream) {
    if (!valid(handle)) {
        return 1;
    }
    ((struct handle*) handle)->stream = stream;
    last_stream = stream;
    return 0;
}

int cublasGetVersion_v2(void* handle, int* version) {
    *version = 130001;
    return valid(handle) ? 0 : 1;
}

/* JCublas asks which pointer mode a handle is in before passing alpha and beta: the host's, the only one here. */
int cublasGetPointerMode_v2(void* handle, int* mode) {
    *mode = 0;
    return valid(handle) ? 0 : 1;
}

int cublasSetPointerMode_v2(void* handle, int mode) {
    if (!valid(handle)) {
        return 1;
    }
    return mode == 0 ? 0 : INVALID_VALUE;
}

/* One product's arguments, alpha and beta read at the call (host pointer mode). */
struct product {
    int transa, transb, m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float* a;
    const float* b;
    float* c;
};

static void compute(void* payload) {
    const struct product* p = payload;
    for (int j = 0; j < p->n; j++) {
        for (int i = 0; i < p->m; i++) {
            double sum = 0;
            for (int q = 0; q < p->k; q++) {
                float x = p->transa == 0 ? p->a[i + (size_t) q * p->lda] : p->a[q + (size_t) i * p->lda];
                float y = p->transb == 0 ? p->b[q + (size_t) j * p->ldb] : p->b[j + (size_t) q * p->ldb];
                sum += (double) x * y;
            }
            float* out = &p->c[i + (size_t) j * p->ldc];
            /* As cuBLAS: with beta 0, C is not read (it may hold NaN). */
            *out = (float) (p->alpha * sum + (p->beta == 0.0f ? 0.0f : p->beta * *out));
        }
    }
}

#ifdef RNN4J_EMULATED_CUDA
/* Whether a column-major rows × cols matrix with leading dimension ld lies in one live device allocation. */
static int on_device(const char* name, const float* x, int rows, int cols, int ld) {
    size_t bytes = ((size_t) (cols - 1) * ld + rows) * sizeof(float);
    if (rnn4j_emulated_device_range(x, bytes)) {
        return 1;
    }
    fprintf(stderr, "rnn4j emulated cuBLAS: %s (%d x %d, ld %d) at %p is not inside one live device allocation\n",
            name, rows, cols, ld, (const void*) x);
    return 0;
}
#endif

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* a,
                   int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (!valid(handle)) {
        return 1;
    }
    int rowsA = transa == 0 ? m : k;
    int rowsB = transb == 0 ? k : n;
    if (transa < 0 || transa > 2 || transb < 0 || transb > 2 || m < 0 || n < 0 || k < 0
            || lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1) || ldc < (m > 1 ? m : 1)) {
        return INVALID_VALUE;
    }
    struct product p = {transa, transb, m, n, k, lda, ldb, ldc, *alpha, *beta, a, b, c};
#ifdef RNN4J_EMULATED_CUDA
    if (m == 0 || n == 0) {
        return 0;
    }
    if ((k > 0 && (!on_device("A", a, rowsA, transa == 0 ? k : m, lda)
                   || !on_device("B", b, rowsB, transb == 0 ? n : k, ldb)))
            || !on_device("C", c, m, n, ldc)) {
        return EXECUTION_FAILED;
    }
    return rnn4j_emulated_enqueue(((struct handle*) handle)->stream, compute, &p, sizeof p) == 0 ? 0
            : EXECUTION_FAILED;
#else
    compute(&p);
    return 0;
#endif
}

/* For the test: the stream the last handle was bound to, and how many handles are open. */
intptr_t fake_last_stream(void) {
    return (intptr_t) last_stream;
}

int fake_open_handles(void) {
    return handles;
}
