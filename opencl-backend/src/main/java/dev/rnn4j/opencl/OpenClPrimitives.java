package dev.rnn4j.opencl;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.SequencePlan;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.Transpose;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * The OpenCL primitives: {@link KernelPrimitives} enqueueing on the backend's in-order queue, none waiting.
 * Arguments go through preallocated one-element arrays and each buffer's own argument pointer, so a call allocates
 * nothing. GEMMs go to CLBlast where it loads, else to the shared tiled kernel; copies to clEnqueueCopyBuffer.
 */
final class OpenClPrimitives extends KernelPrimitives {
    private final OpenClBackend backend;
    private final OpenClProgram program;
    /** Whether GEMMs go to CLBlast; else the tiled kernel. */
    private final boolean clblast;
    /** Why CLBlast is not used, or null. */
    private final String withoutClBlast;

    private final int[] intValue = new int[1];
    private final Pointer intArg = Pointer.to(intValue);
    private final float[] floatValue = new float[1];
    private final Pointer floatArg = Pointer.to(floatValue);
    private final long[] global1 = new long[1];
    private final long[] local1 = new long[1];
    private final long[] global2 = new long[2];
    private final long[] local2 = {KernelSource.GEMM_TILE, KernelSource.GEMM_TILE};
    private cl_kernel kernel;
    private int next;

    /**
     * @param useClBlast whether to use CLBlast where it loads ({@code -Drnn4j.opencl.gemm=tiled} forces the kernel)
     * @param stepForm   how small-batch forward steps run
     */
    OpenClPrimitives(OpenClBackend backend, OpenClProgram program, boolean useClBlast, StepForm stepForm) {
        super(backend, stepForm);
        this.backend = backend;
        this.program = program;
        String reason = useClBlast ? ClBlastGemm.load() : "the tiled kernel was asked for";
        this.clblast = reason == null;
        this.withoutClBlast = reason;
    }

    /** Whether GEMMs go to CLBlast (which caches per context, see {@link ClBlastGemm#clearCache}). */
    boolean usesClBlast() {
        return clblast;
    }

    /** Which GEMM this backend runs, and why not CLBlast when it does not. */
    String gemmName() {
        return clblast ? "CLBlast" : "rnn4j tiled kernel (" + withoutClBlast + ")";
    }

    @Override
    protected void begin(String name) {
        kernel = program.kernel(name);
        next = 0;
    }

    @Override
    protected void arg(int v) {
        intValue[0] = v;
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_int, intArg);
    }

    @Override
    protected void arg(float v) {
        floatValue[0] = v;
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_float, floatArg);
    }

    @Override
    protected void bufferArg(DeviceBuffer b) {
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_mem, OpenClBuffer.of(b, backend).pointer());
    }

    @Override
    protected void launch(long items) {
        if (items <= 0) {
            return;
        }
        global1[0] = items;
        enqueue(1, global1, null);
    }

    /** Enqueues the current kernel, a failure as rnn4j's {@link dev.rnn4j.DeviceFailureException}. */
    private void enqueue(int dimensions, long[] global, long[] local) {
        try {
            CL.clEnqueueNDRangeKernel(backend.queue(), kernel, dimensions, null, global, local, 0, null, null);
        } catch (org.jocl.CLException e) {
            throw ClFailures.of("launch of " + java.util.Arrays.toString(global) + " items", backend.device().name(),
                    e);
        }
    }

    @Override
    protected void launchGroups(int groups, int groupSize) {
        if (groups <= 0) {
            return;
        }
        global1[0] = (long) groups * groupSize;
        local1[0] = groupSize;
        enqueue(1, global1, local1);
    }

    @Override
    protected void localFloats(int floats) {
        CL.clSetKernelArg(kernel, next++, (long) floats * Sizeof.cl_float, null);
    }

    /**
     * OpenCL does not promise that a launch's groups all run at once, so a plan of more than one group takes one
     * launch per step (no group ever waits at the barrier between steps for one that has not started).
     */
    @Override
    protected SequencePlan sequencePlan(int gates, int hidden, int k) {
        return SequencePlan.of(gates, hidden, k, 0, backend.localMemoryBytes() - KernelSource.STEP_PARTIAL_BYTES);
    }

    @Override
    protected void launchSequence(SequencePlan plan) {
        launchGroups(plan.groups(), KernelSource.STEP_GROUP);
    }

    @Override
    protected void launchTiles(int m, int n) {
        int t = KernelSource.GEMM_TILE;
        int block = KernelSource.GEMM_BLOCK;
        global2[0] = (long) (n + block - 1) / block * t;
        global2[1] = (long) (m + block - 1) / block * t;
        enqueue(2, global2, local2);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (clblast && m > 0 && n > 0 && k > 0 && fitsClBlastScratch(m, n, k)) {
            ClBlastGemm.sgemm(backend.queue(), transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha,
                    OpenClBuffer.of(a, backend).mem(), aOffset, lda, OpenClBuffer.of(b, backend).mem(), bOffset, ldb,
                    beta, OpenClBuffer.of(c, backend).mem(), cOffset, ldc);
            return;
        }
        super.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /**
     * Whether CLBlast's scratch copies of the operands fit the device's largest allocation. Its indirect GEMM copies
     * A, B and C into padded buffers; where one of those exceeds {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE} its buffer
     * creation fails inside C++ code that then ends the process ({@code std::terminate}: the JVM died under PoCL with
     * a 1 GiB memory limit on a 210 MB C, whose scratch asked for 279 MB). Twice an operand's size is the margin;
     * larger products take the tiled kernel, which needs no scratch.
     */
    private boolean fitsClBlastScratch(int m, int n, int k) {
        long largest = Math.max((long) m * k, Math.max((long) k * n, (long) m * n)) * Float.BYTES;
        return 2 * largest <= backend.maxAllocation();
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        if (n <= 0) {
            return;
        }
        CL.clEnqueueCopyBuffer(backend.queue(), OpenClBuffer.of(src, backend).mem(), OpenClBuffer.of(dst, backend).mem(),
                srcOffset * 4, dstOffset * 4, n * 4, 0, null, null);
    }
}
