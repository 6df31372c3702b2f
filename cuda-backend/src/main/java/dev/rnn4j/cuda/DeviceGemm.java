package dev.rnn4j.cuda;

/**
 * Row-major SGEMM on the backend's stream through a vendor library: cuBLAS through JCublas 12
 * ({@link CublasGemm}) or libcublas itself ({@link NativeCublasGemm}). Where neither loads, the backend runs the
 * shared tiled kernel instead.
 */
interface DeviceGemm extends AutoCloseable {
    /** {@code C = alpha·op(A)·op(B) + beta·C}, row-major, offsets in floats; enqueued, not waited for. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CudaBuffer a, long aOffset, int lda,
               CudaBuffer b, long bOffset, int ldb, float beta, CudaBuffer c, long cOffset, int ldc);

    /** Which library, as the backend's description says it. */
    String description();

    @Override
    void close();
}
