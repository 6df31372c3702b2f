package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;

/**
 * The arguments of one {@link Primitives#gemm} call as a reusable block, for the calls of a {@link RecurrencePlan}:
 * the BPTT driver fills one per direction and changes only offsets from step to step, so the per-step loop
 * allocates nothing. Fields mean what the parameters of {@link Primitives#gemm} mean.
 */
public final class GemmArgs {
    public Transpose transA = Transpose.NO;
    public Transpose transB = Transpose.NO;
    public int m;
    public int n;
    public int k;
    public float alpha = 1f;
    public DeviceBuffer a;
    public long aOffset;
    public int lda;
    public DeviceBuffer b;
    public long bOffset;
    public int ldb;
    public float beta;
    public DeviceBuffer c;
    public long cOffset;
    public int ldc;

    /** Sets every field, in {@link Primitives#gemm}'s parameter order; returns this block. */
    public GemmArgs set(Transpose transA, Transpose transB, int m, int n, int k, float alpha, DeviceBuffer a,
                        long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb, float beta, DeviceBuffer c,
                        long cOffset, int ldc) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.aOffset = aOffset;
        this.lda = lda;
        this.b = b;
        this.bOffset = bOffset;
        this.ldb = ldb;
        this.beta = beta;
        this.c = c;
        this.cOffset = cOffset;
        this.ldc = ldc;
        return this;
    }
}
