/*
 * A stand-in for libcublas with the five entry points NativeCublasGemm binds, computing on host memory: the
 * column-major SGEMM of cuBLAS's reference semantics, with its argument checks (CUBLAS_STATUS_INVALID_VALUE = 7).
 * Built by NativeCublasGemmTest with the machine's C compiler; lets the binding's marshalling and its row-major to
 * column-major mapping be tested without a GPU.
 */
#include <stdint.h>
#include <stddef.h>

#define HANDLE ((void*) 0x7e57)

static void* last_stream;
static int handles;

int cublasCreate_v2(void** handle) {
    *handle = HANDLE;
    handles++;
    return 0;
}

int cublasDestroy_v2(void* handle) {
    if (handle != HANDLE || handles == 0) {
        return 1;
    }
    handles--;
    return 0;
}

int cublasSetStream_v2(void* handle, void* stream) {
    if (handle != HANDLE) {
        return 1;
    }
    last_stream = stream;
    return 0;
}

int cublasGetVersion_v2(void* handle, int* version) {
    *version = 130001;
    return handle == HANDLE ? 0 : 1;
}

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* a,
                   int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (handle != HANDLE) {
        return 1;
    }
    int rowsA = transa == 0 ? m : k;
    int rowsB = transb == 0 ? k : n;
    if (transa < 0 || transa > 2 || transb < 0 || transb > 2 || m < 0 || n < 0 || k < 0
            || lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1) || ldc < (m > 1 ? m : 1)) {
        return 7;
    }
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int p = 0; p < k; p++) {
                float x = transa == 0 ? a[i + (size_t) p * lda] : a[p + (size_t) i * lda];
                float y = transb == 0 ? b[p + (size_t) j * ldb] : b[j + (size_t) p * ldb];
                sum += (double) x * y;
            }
            float* out = &c[i + (size_t) j * ldc];
            /* As cuBLAS: with beta 0, C is not read (it may hold NaN). */
            *out = (float) (*alpha * sum + (*beta == 0.0f ? 0.0f : *beta * *out));
        }
    }
    return 0;
}

/* For the test: the stream the last handle was bound to, and how many handles are open. */
intptr_t fake_last_stream(void) {
    return (intptr_t) last_stream;
}

int fake_open_handles(void) {
    return handles;
}
