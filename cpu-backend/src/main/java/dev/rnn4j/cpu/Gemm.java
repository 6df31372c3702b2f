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

    /**
     * Whether this GEMM reads weight buffers declared compact ({@link CpuBuffer#compactWeights}) from their
     * bfloat16 or int8 form where that pays; by default not (it reads the floats, which hold the same values).
     */
    default boolean readsCompactWeights() {
        return false;
    }

    /**
     * {@code C[m×n] = op(A)·op(B) + row} ({@code row} added to every row of C, which is contiguous: ldc = n). By
     * default the row is copied into C first and the product added with beta 1; an implementation that adds the
     * row as it stores C must give the same bits.
     */
    default void gemmPlusRow(boolean transA, boolean transB, int m, int n, int k, CpuBuffer a, int aOffset, int lda,
                             CpuBuffer b, int bOffset, int ldb, CpuBuffer row, int rowOffset, CpuBuffer c,
                             int cOffset) {
        float[] r = CpuBuffer.floatsForRead(row);
        float[] cv = CpuBuffer.floatsForWrite(c);
        for (int i = 0; i < m; i++) {
            System.arraycopy(r, rowOffset, cv, cOffset + i * n, n);
        }
        gemm(transA, transB, m, n, k, 1f, a, aOffset, lda, b, bOffset, ldb, 1f, c, cOffset, n);
    }
}
