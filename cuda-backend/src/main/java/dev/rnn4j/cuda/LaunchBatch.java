package dev.rnn4j.cuda;

import java.util.Arrays;

/**
 * The work a {@link CudaPrimitives} has recorded and not yet issued: kernel launches (function, grid, block, shared
 * memory, every argument's value), cuBLAS products and device copies, in order. Two batches with the same content
 * issue the same work, argument for argument, which is what lets {@link LaunchGraphs} replay a captured CUDA graph
 * for a batch seen before. Arrays grow to the largest batch and are then reused, so recording allocates nothing.
 *
 * <p>An op is a run of ints in {@link #op}: its kind, its fields, the index of its first argument, its argument
 * count. Arguments are a kind ({@link #INT}, {@link #FLOAT}, {@link #BUFFER}, {@link #LONG}), a 64-bit value (an int,
 * a float's bits, a device address, an offset) and, for buffers, the {@link CudaBuffer} itself.
 */
final class LaunchBatch {
    /** Op kinds. */
    private static final int KERNEL = 1;
    private static final int COOPERATIVE_KERNEL = 2;
    private static final int GEMM = 3;
    private static final int COPY = 4;
    /** Ints per kernel op: kind, function, grid x, grid y, block x, block y, shared bytes, first argument, count. */
    private static final int KERNEL_INTS = 9;
    /**
     * Ints per GEMM op: kind, transA, transB, m, n, k, lda, ldb, ldc, first argument (its arguments: a, aOff, b,
     * bOff, c, cOff, alpha, beta).
     */
    private static final int GEMM_INTS = 10;
    /** Ints per copy op: kind, first argument (src, srcOff, dst, dstOff, n). */
    private static final int COPY_INTS = 2;

    /** Argument kinds. */
    static final int INT = 0;
    static final int FLOAT = 1;
    static final int BUFFER = 2;
    static final int LONG = 3;

    private int[] ops = new int[512];
    private int opLength;
    private int count;
    private long[] values = new long[2048];
    private int[] kinds = new int[2048];
    private CudaBuffer[] buffers = new CudaBuffer[2048];
    private int argLength;
    /** Where the kernel being recorded starts its arguments, and its function; -1 between kernels. */
    private int pendingArgs = -1;
    private int pendingFunction;
    private boolean cooperative;

    /** Starts recording a launch of kernel {@code function}; its arguments follow. */
    void begin(int function) {
        pendingArgs = argLength;
        pendingFunction = function;
    }

    void arg(int kind, long value, CudaBuffer buffer) {
        if (argLength == values.length) {
            int n = 2 * argLength;
            values = Arrays.copyOf(values, n);
            kinds = Arrays.copyOf(kinds, n);
            buffers = Arrays.copyOf(buffers, n);
        }
        values[argLength] = value;
        kinds[argLength] = kind;
        buffers[argLength] = buffer;
        argLength++;
    }

    /** Drops the launch being recorded (it had nothing to do). */
    void cancel() {
        if (pendingArgs >= 0) {
            Arrays.fill(buffers, pendingArgs, argLength, null);
            argLength = pendingArgs;
            pendingArgs = -1;
        }
    }

    /** Ends the launch being recorded. */
    void launch(boolean cooperativeLaunch, int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
        if (pendingArgs < 0) {
            throw new IllegalStateException("a launch without begin");
        }
        int at = reserve(KERNEL_INTS);
        ops[at] = cooperativeLaunch ? COOPERATIVE_KERNEL : KERNEL;
        ops[at + 1] = pendingFunction;
        ops[at + 2] = gridX;
        ops[at + 3] = gridY;
        ops[at + 4] = blockX;
        ops[at + 5] = blockY;
        ops[at + 6] = sharedBytes;
        ops[at + 7] = pendingArgs;
        ops[at + 8] = argLength - pendingArgs;
        cooperative |= cooperativeLaunch;
        pendingArgs = -1;
    }

    /** Records a row-major product for cuBLAS. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CudaBuffer a, long aOffset, int lda,
              CudaBuffer b, long bOffset, int ldb, float beta, CudaBuffer c, long cOffset, int ldc) {
        int first = argLength;
        arg(BUFFER, a.address(), a);
        arg(LONG, aOffset, null);
        arg(BUFFER, b.address(), b);
        arg(LONG, bOffset, null);
        arg(BUFFER, c.address(), c);
        arg(LONG, cOffset, null);
        arg(FLOAT, Float.floatToRawIntBits(alpha), null);
        arg(FLOAT, Float.floatToRawIntBits(beta), null);
        int at = reserve(GEMM_INTS);
        ops[at] = GEMM;
        ops[at + 1] = transA ? 1 : 0;
        ops[at + 2] = transB ? 1 : 0;
        ops[at + 3] = m;
        ops[at + 4] = n;
        ops[at + 5] = k;
        ops[at + 6] = lda;
        ops[at + 7] = ldb;
        ops[at + 8] = ldc;
        ops[at + 9] = first;
    }

    /** Records a device-to-device copy of {@code n} floats. */
    void copy(CudaBuffer src, long srcOffset, CudaBuffer dst, long dstOffset, long n) {
        int first = argLength;
        arg(BUFFER, src.address(), src);
        arg(LONG, srcOffset, null);
        arg(BUFFER, dst.address(), dst);
        arg(LONG, dstOffset, null);
        arg(LONG, n, null);
        int at = reserve(COPY_INTS);
        ops[at] = COPY;
        ops[at + 1] = first;
    }

    private int reserve(int n) {
        if (opLength + n > ops.length) {
            ops = Arrays.copyOf(ops, Math.max(2 * ops.length, opLength + n));
        }
        int at = opLength;
        opLength += n;
        count++;
        return at;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Whether an op is a cooperative launch (which this backend never puts in a graph). */
    boolean hasCooperativeLaunch() {
        return cooperative;
    }

    /** What {@link #issue} hands each op to, in order. */
    interface Issuer {
        /** A launch of kernel {@code function}; its arguments are {@code batch}'s, {@code argCount} from firstArg. */
        void kernel(LaunchBatch batch, boolean cooperative, int function, int gridX, int gridY, int blockX, int blockY,
                    int sharedBytes, int firstArg, int argCount);

        /** A row-major product for cuBLAS, as {@link DeviceGemm#sgemm}. */
        void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CudaBuffer a, long aOffset,
                  int lda, CudaBuffer b, long bOffset, int ldb, float beta, CudaBuffer c, long cOffset, int ldc);

        /** A device-to-device copy of {@code n} floats. */
        void copy(CudaBuffer src, long srcOffset, CudaBuffer dst, long dstOffset, long n);
    }

    /** Hands every op, in order, to {@code to}: the one place that reads the layout the recording methods write. */
    void issue(Issuer to) {
        for (int at = 0; at < opLength; ) {
            int kind = ops[at];
            if (kind == GEMM) {
                int arg = ops[at + 9];
                to.gemm(ops[at + 1] != 0, ops[at + 2] != 0, ops[at + 3], ops[at + 4], ops[at + 5],
                        Float.intBitsToFloat((int) values[arg + 6]), buffers[arg], values[arg + 1], ops[at + 6],
                        buffers[arg + 2], values[arg + 3], ops[at + 7], Float.intBitsToFloat((int) values[arg + 7]),
                        buffers[arg + 4], values[arg + 5], ops[at + 8]);
                at += GEMM_INTS;
            } else if (kind == COPY) {
                int arg = ops[at + 1];
                to.copy(buffers[arg], values[arg + 1], buffers[arg + 2], values[arg + 3], values[arg + 4]);
                at += COPY_INTS;
            } else {
                to.kernel(this, kind == COOPERATIVE_KERNEL, ops[at + 1], ops[at + 2], ops[at + 3], ops[at + 4],
                        ops[at + 5], ops[at + 6], ops[at + 7], ops[at + 8]);
                at += KERNEL_INTS;
            }
        }
    }

    long value(int arg) {
        return values[arg];
    }

    int kind(int arg) {
        return kinds[arg];
    }

    CudaBuffer buffer(int arg) {
        return buffers[arg];
    }

    /** Whether {@code other} records the same work: the same ops with the same argument values. */
    boolean sameAs(LaunchBatch other) {
        return count == other.count && opLength == other.opLength && argLength == other.argLength
                && Arrays.equals(ops, 0, opLength, other.ops, 0, other.opLength)
                && Arrays.equals(values, 0, argLength, other.values, 0, other.argLength)
                && Arrays.equals(kinds, 0, argLength, other.kinds, 0, other.argLength);
    }

    /** This batch's content made {@code other}'s, without its buffers (a copy is only compared, never issued). */
    void copyFrom(LaunchBatch other) {
        if (ops.length < other.opLength) {
            ops = new int[other.ops.length];
        }
        if (values.length < other.argLength) {
            values = new long[other.values.length];
            kinds = new int[other.values.length];
            buffers = new CudaBuffer[other.values.length];
        }
        System.arraycopy(other.ops, 0, ops, 0, other.opLength);
        System.arraycopy(other.values, 0, values, 0, other.argLength);
        System.arraycopy(other.kinds, 0, kinds, 0, other.argLength);
        Arrays.fill(buffers, 0, argLength, null);
        opLength = other.opLength;
        argLength = other.argLength;
        count = other.count;
        cooperative = other.cooperative;
        pendingArgs = -1;
    }

    /** Empties the batch (dropping its references to buffers). */
    void clear() {
        Arrays.fill(buffers, 0, argLength, null);
        opLength = 0;
        argLength = 0;
        count = 0;
        cooperative = false;
        pendingArgs = -1;
    }
}
