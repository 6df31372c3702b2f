package dev.rnn4j.cpu;

/**
 * Row-major SGEMM on CPU buffers: {@code C[m×n] = alpha·op(A)·op(B) + beta·C}, op(X) = X or Xᵀ. When beta is 0,
 * C's previous contents are ignored. Implementations: {@link ScalarGemm} (the in-module oracle and escape hatch)
 * and {@code VectorGemm} (packed panels and a register-blocked Vector API micro-kernel).
 */
interface Gemm {
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              CpuBuffer a, int aOffset, int lda, CpuBuffer b, int bOffset, int ldb,
              float beta, CpuBuffer c, int cOffset, int ldc);
}
