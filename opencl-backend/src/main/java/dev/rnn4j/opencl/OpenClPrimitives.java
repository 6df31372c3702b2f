package dev.rnn4j.opencl;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * The OpenCL primitives: each call sets a kernel's arguments and enqueues it on the backend's in-order queue; none
 * waits. Arguments go through preallocated one-element arrays and each buffer's own argument pointer, so a call
 * allocates nothing. Calls are serialised by this object's lock (a kernel's arguments are shared state).
 */
final class OpenClPrimitives implements Primitives, AutoCloseable {
    private final OpenClBackend backend;
    private final OpenClProgram program;
    /** Stand-ins for the buffers a call does not use (their has* flag is 0); kernels never touch them. */
    private final OpenClBuffer dummyFloats;
    private final OpenClBuffer dummyInts;
    /** The activation codes of each cell's own functions, for steps without ONNX activations. */
    private static final Activation[][] OWN = new Activation[CellType.values().length][];

    static {
        for (CellType c : CellType.values()) {
            List<Activation> d = Activation.defaults(c);
            OWN[c.ordinal()] = d.toArray(new Activation[0]);
        }
    }

    private final int[] intValue = new int[1];
    private final Pointer intArg = Pointer.to(intValue);
    private final float[] floatValue = new float[1];
    private final Pointer floatArg = Pointer.to(floatValue);
    private final long[] global1 = new long[1];
    private final long[] global2 = new long[2];
    private final long[] local2 = {KernelSource.GEMM_TILE, KernelSource.GEMM_TILE};
    private cl_kernel kernel;
    private int next;

    /** Whether GEMMs go to CLBlast; else the tiled kernel. */
    private final boolean clblast;
    /** Why CLBlast is not used, or null. */
    private final String withoutClBlast;

    /**
     * @param useClBlast whether to use CLBlast where it loads ({@code -Drnn4j.opencl.gemm=tiled} forces the kernel)
     */
    OpenClPrimitives(OpenClBackend backend, OpenClProgram program, boolean useClBlast) {
        this.backend = backend;
        this.program = program;
        String reason = useClBlast ? ClBlastGemm.load() : "the tiled kernel was asked for";
        this.clblast = reason == null;
        this.withoutClBlast = reason;
        this.dummyFloats = (OpenClBuffer) backend.allocate(1);
        this.dummyInts = (OpenClBuffer) backend.allocateInts(1);
    }

    /** Which GEMM this backend runs, and why not CLBlast when it does not. */
    String gemmName() {
        return clblast ? "CLBlast" : "rnn4j tiled kernel (" + withoutClBlast + ")";
    }

    private void begin(String name) {
        kernel = program.kernel(name);
        next = 0;
    }

    private void arg(int v) {
        intValue[0] = v;
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_int, intArg);
    }

    private void arg(boolean v) {
        arg(v ? 1 : 0);
    }

    private void arg(float v) {
        floatValue[0] = v;
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_float, floatArg);
    }

    private void buffer(DeviceBuffer b) {
        OpenClBuffer o = b == null ? dummyFloats : OpenClBuffer.of(b, backend);
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_mem, o.pointer());
    }

    private void ints(DeviceBuffer b) {
        OpenClBuffer o = b == null ? dummyInts : OpenClBuffer.of(b, backend);
        CL.clSetKernelArg(kernel, next++, Sizeof.cl_mem, o.pointer());
    }

    /** A buffer and its element offset (checked to fit the kernels' 32-bit indices). */
    private void buffer(DeviceBuffer b, long offset) {
        buffer(b);
        arg(index(offset));
    }

    private static int index(long v) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + v + " does not fit the opencl kernels' 32-bit indices");
        }
        return (int) v;
    }

    private void launch(long items) {
        if (items <= 0) {
            return;
        }
        global1[0] = items;
        CL.clEnqueueNDRangeKernel(backend.queue(), kernel, 1, null, global1, null, 0, null, null);
    }

    private void activations(CellType cell, StepArgs s) {
        Activation[] a = s.activations != null ? s.activations : OWN[cell.ordinal()];
        for (int slot = 0; slot < 3; slot++) {
            Activation x = slot < a.length ? a[slot] : Activation.TANH;
            arg(x.function().ordinal());
            arg(x.alpha());
            arg(x.beta());
        }
        arg(s.activations != null);
    }

    /** The arguments every step kernel begins with: B, H, the step and the lengths. */
    private void rows(StepArgs s) {
        arg(s.batch);
        arg(s.hidden);
        arg(s.step);
        ints(s.lengths);
    }

    /** h_prev, c_prev, h_next, c_next with their offsets. */
    private void states(StepArgs s) {
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.cPrev, s.cPrevOffset);
        buffer(s.hNext, s.hNextOffset);
        buffer(s.cNext, s.cNextOffset);
    }

    /** A reserve row's width and where its clip flags and pre-activations start. */
    private void reserveLayout(CellType cell, StepArgs s, int width) {
        arg(width);
        arg(StepArgs.reserveWidth(cell, s.hidden));
        arg(StepArgs.preActivationsAt(cell, s.hidden, s.clip > 0));
    }

    private static int reserveWidth(CellType cell, StepArgs s) {
        return StepArgs.reserveWidth(cell, s.hidden, s.clip > 0, s.activations != null);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (clblast && k > 0) {
            ClBlastGemm.sgemm(backend.queue(), transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha,
                    OpenClBuffer.of(a, backend).mem(), aOffset, lda, OpenClBuffer.of(b, backend).mem(), bOffset, ldb,
                    beta, OpenClBuffer.of(c, backend).mem(), cOffset, ldc);
            return;
        }
        begin("gemm_tiled");
        arg(transA == Transpose.YES);
        arg(transB == Transpose.YES);
        arg(m);
        arg(n);
        arg(k);
        arg(alpha);
        buffer(a, aOffset);
        arg(lda);
        buffer(b, bOffset);
        arg(ldb);
        arg(beta);
        buffer(c, cOffset);
        arg(ldc);
        int t = KernelSource.GEMM_TILE;
        global2[0] = (long) (n + t - 1) / t * t;
        global2[1] = (long) (m + t - 1) / t * t;
        CL.clEnqueueNDRangeKernel(backend.queue(), kernel, 2, null, global2, local2, 0, null, null);
    }

    @Override
    public synchronized void cellForward(CellType cell, StepArgs s) {
        int width = reserveWidth(cell, s);
        begin("cell_forward");
        arg(cell.ordinal());
        rows(s);
        buffer(s.gx, s.gxOffset);
        buffer(s.gh, s.ghOffset);
        buffer(s.bhh, s.bhhOffset);
        arg(s.bhh != null);
        buffer(s.peephole, s.peepholeOffset);
        arg(s.peephole != null);
        arg(s.inputForget);
        arg(s.clip);
        arg(s.cellClip);
        arg(s.linearAfterReset);
        arg(s.projected);
        activations(cell, s);
        states(s);
        boolean keep = s.reserve != null && width > 0;
        buffer(keep ? s.reserve : null, keep ? s.reserveOffset : 0);
        arg(keep);
        reserveLayout(cell, s, width);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs s) {
        int width = reserveWidth(cell, s);
        begin("cell_backward");
        arg(cell.ordinal());
        rows(s);
        buffer(s.peephole, s.peepholeOffset);
        arg(s.peephole != null);
        arg(s.inputForget);
        arg(s.clip);
        arg(s.cellClip);
        arg(s.linearAfterReset);
        activations(cell, s);
        states(s);
        buffer(width > 0 ? s.reserve : null, width > 0 ? s.reserveOffset : 0);
        reserveLayout(cell, s, width);
        buffer(s.dy, s.dyOffset);
        arg(s.dy != null);
        buffer(s.dh, s.dhOffset);
        buffer(s.dc, s.dcOffset);
        buffer(s.dhPrev, s.dhPrevOffset);
        buffer(s.dGatesX, s.dGatesXOffset);
        boolean ownRecurrentSide = cell == CellType.GRU && !s.linearAfterReset;
        buffer(ownRecurrentSide ? s.dGatesH : null, ownRecurrentSide ? s.dGatesHOffset : 0);
        arg(ownRecurrentSide);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void gruResetForward(StepArgs s) {
        CellType cell = CellType.GRU;
        int width = reserveWidth(cell, s);
        Activation f = s.activations != null ? s.activations[0] : Activation.SIGMOID;
        begin("gru_reset_forward");
        rows(s);
        buffer(s.gx, s.gxOffset);
        buffer(s.gh, s.ghOffset);
        buffer(s.bhh, s.bhhOffset);
        arg(s.bhh != null);
        arg(s.clip);
        arg(f.function().ordinal());
        arg(f.alpha());
        arg(f.beta());
        arg(s.activations != null);
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.rh, s.rhOffset);
        arg(s.rhStride);
        boolean keep = s.reserve != null;
        buffer(keep ? s.reserve : null, keep ? s.reserveOffset : 0);
        arg(keep);
        reserveLayout(cell, s, width);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void gruResetBackward(StepArgs s) {
        CellType cell = CellType.GRU;
        Activation f = s.activations != null ? s.activations[0] : Activation.SIGMOID;
        begin("gru_reset_backward");
        rows(s);
        arg(s.clip);
        arg(f.function().ordinal());
        arg(f.alpha());
        arg(f.beta());
        arg(s.activations != null);
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.drh, s.drhOffset);
        buffer(s.reserve, s.reserveOffset);
        reserveLayout(cell, s, reserveWidth(cell, s));
        buffer(s.dhPrev, s.dhPrevOffset);
        buffer(s.dGatesX, s.dGatesXOffset);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void carryPastEnd(DeviceBuffer lengths, int step, int batch, int width, MatrixRef src,
                                          MatrixRef dst, float beta) {
        begin("carry_past_end");
        ints(lengths);
        arg(step);
        arg(batch);
        arg(width);
        buffer(src.buffer(), src.offset());
        arg(src.ld());
        buffer(dst.buffer(), dst.offset());
        arg(dst.ld());
        arg(beta);
        launch((long) batch * width);
    }

    @Override
    public synchronized void fill(DeviceBuffer dst, long offset, long n, float value) {
        begin("fill_floats");
        buffer(dst, offset);
        arg(index(n));
        arg(value);
        launch(n);
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        if (n <= 0) {
            return;
        }
        CL.clEnqueueCopyBuffer(backend.queue(), OpenClBuffer.of(src, backend).mem(), OpenClBuffer.of(dst, backend).mem(),
                srcOffset * 4, dstOffset * 4, n * 4, 0, null, null);
    }

    @Override
    public synchronized void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset,
                                           int rows, int cols) {
        begin("broadcast_rows");
        buffer(row, rowOffset);
        buffer(dst, dstOffset);
        arg(rows);
        arg(cols);
        launch((long) rows * cols);
    }

    @Override
    public synchronized void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta,
                                        DeviceBuffer dst, long dstOffset) {
        begin("column_sums");
        buffer(src, srcOffset);
        arg(rows);
        arg(cols);
        arg(beta);
        buffer(dst, dstOffset);
        launch(cols);
    }

    @Override
    public synchronized void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta,
                                                  DeviceBuffer dst, long dstOffset) {
        begin("column_sums_of_products");
        buffer(a.buffer(), a.offset());
        arg(a.ld());
        buffer(b.buffer(), b.offset());
        arg(b.ld());
        arg(rows);
        arg(cols);
        arg(beta);
        buffer(dst, dstOffset);
        launch(cols);
    }

    @Override
    public synchronized void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src,
                                       MatrixRef dst, boolean reverse) {
        begin("copy_steps");
        ints(lengths);
        arg(steps);
        arg(batch);
        arg(width);
        buffer(src.buffer(), src.offset());
        arg(src.ld());
        buffer(dst.buffer(), dst.offset());
        arg(dst.ld());
        arg(reverse);
        launch((long) steps * batch * width);
    }

    @Override
    public synchronized void close() {
        dummyFloats.close();
        dummyInts.close();
    }
}
