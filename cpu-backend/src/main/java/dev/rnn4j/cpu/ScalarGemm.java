package dev.rnn4j.cpu;

/**
 * The scalar twin of the vector GEMM: a plain triple loop with float accumulation, rows of C split across the
 * pool. Used where the Vector API is not readable, when {@code -Drnn4j.cpu.scalar=true}, and by tests as the
 * in-module oracle.
 */
final class ScalarGemm implements Gemm, WorkerPool.Task {
    private final WorkerPool pool;
    // Arguments of the running call, read by the parts; set under the pool's serialisation.
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private float alpha;
    private float beta;
    private float[] a;
    private float[] b;
    private float[] c;
    private int aOff;
    private int bOff;
    private int cOff;
    private int lda;
    private int ldb;
    private int ldc;

    ScalarGemm(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  CpuBuffer a, int aOffset, int lda, CpuBuffer b, int bOffset, int ldb,
                                  float beta, CpuBuffer c, int cOffset, int ldc) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = CpuBuffer.floatsForRead(a);
        this.b = CpuBuffer.floatsForRead(b);
        this.c = CpuBuffer.floatsForWrite(c);
        this.aOff = aOffset;
        this.bOff = bOffset;
        this.cOff = cOffset;
        this.lda = lda;
        this.ldb = ldb;
        this.ldc = ldc;
        try {
            if ((long) m * n * k < 32_768) {
                run(0, 1);
            } else {
                pool.run(this);
            }
        } finally {
            this.a = this.b = this.c = null;
        }
    }

    @Override
    public void run(int part, int parts) {
        int rowEnd = WorkerPool.begin(m, part + 1, parts);
        for (int i = WorkerPool.begin(m, part, parts); i < rowEnd; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }
}
