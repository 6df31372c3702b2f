package dev.rnn4j.spi;

/**
 * The arguments of one {@link Primitives#gemm} call as a reusable block, for the paired form
 * {@link Primitives#gemmPair}: the BPTT driver fills one per direction and changes only offsets from step to step,
 * so the per-step loop allocates nothing. Fields mean what the parameters of {@link Primitives#gemm} mean.
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
}
