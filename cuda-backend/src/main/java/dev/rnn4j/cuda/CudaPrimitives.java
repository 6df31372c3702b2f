package dev.rnn4j.cuda;

import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.Transpose;
import java.util.Arrays;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA primitives: {@link KernelPrimitives} launching on the backend's stream, none waiting. Each argument
 * slot has its own preallocated value holder; a launch copies the slots it used into the parameter array the
 * driver reads. GEMMs go to cuBLAS when it loaded, else to the shared tiled kernel; copies to cuMemcpyDtoDAsync.
 */
final class CudaPrimitives extends KernelPrimitives implements AutoCloseable {
    private static final int MAX_ARGS = 64;
    private static final int BLOCK = 256;

    private final CudaBackend backend;
    private final Map<String, CUfunction> functions;
    private final CublasGemm cublas;
    private final CudaBuffer dummyFloats;
    private final CudaBuffer dummyInts;

    private final int[][] ints = new int[MAX_ARGS][1];
    private final float[][] floats = new float[MAX_ARGS][1];
    private final Pointer[] intParams = new Pointer[MAX_ARGS];
    private final Pointer[] floatParams = new Pointer[MAX_ARGS];
    private final Pointer[] slots = new Pointer[MAX_ARGS];
    private CUfunction function;
    private int next;

    CudaPrimitives(CudaBackend backend, Map<String, CUfunction> functions, CublasGemm cublas, boolean fuseSteps) {
        super(fuseSteps);
        this.backend = backend;
        this.functions = functions;
        this.cublas = cublas;
        for (int i = 0; i < MAX_ARGS; i++) {
            intParams[i] = Pointer.to(ints[i]);
            floatParams[i] = Pointer.to(floats[i]);
        }
        this.dummyFloats = (CudaBuffer) backend.allocate(1);
        this.dummyInts = (CudaBuffer) backend.allocateInts(1);
    }

    @Override
    protected void begin(String name) {
        backend.makeCurrent();
        function = functions.get(name);
        if (function == null) {
            throw new IllegalStateException("no kernel " + name);
        }
        next = 0;
    }

    @Override
    protected void arg(int v) {
        ints[next][0] = v;
        slots[next] = intParams[next];
        next++;
    }

    @Override
    protected void arg(float v) {
        floats[next][0] = v;
        slots[next] = floatParams[next];
        next++;
    }

    @Override
    protected void buffer(DeviceBuffer b) {
        slots[next++] = (b == null ? dummyFloats : CudaBuffer.of(b, backend)).param();
    }

    @Override
    protected void ints(DeviceBuffer b) {
        slots[next++] = (b == null ? dummyInts : CudaBuffer.of(b, backend)).param();
    }

    private Pointer params() {
        return Pointer.to(Arrays.copyOf(slots, next));
    }

    @Override
    protected void launch(long items) {
        if (items <= 0) {
            return;
        }
        int grid = Math.toIntExact((items + BLOCK - 1) / BLOCK);
        JCudaDriver.cuLaunchKernel(function, grid, 1, 1, BLOCK, 1, 1, 0, backend.stream(), params(), null);
    }

    @Override
    protected void launchGroups(int groups, int groupSize) {
        if (groups <= 0) {
            return;
        }
        JCudaDriver.cuLaunchKernel(function, groups, 1, 1, groupSize, 1, 1, 0, backend.stream(), params(), null);
    }

    @Override
    protected void launchTiles(int m, int n) {
        int t = KernelSource.GEMM_TILE;
        int block = KernelSource.GEMM_BLOCK;
        JCudaDriver.cuLaunchKernel(function, (n + block - 1) / block, (m + block - 1) / block, 1, t, t, 1, 0,
                backend.stream(), params(), null);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (cublas != null && m > 0 && n > 0 && k > 0) {
            backend.makeCurrent();
            cublas.sgemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha,
                    CudaBuffer.of(a, backend).ptr(), aOffset, lda, CudaBuffer.of(b, backend).ptr(), bOffset, ldb, beta,
                    CudaBuffer.of(c, backend).ptr(), cOffset, ldc);
            return;
        }
        super.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        if (n <= 0) {
            return;
        }
        backend.makeCurrent();
        JCudaDriver.cuMemcpyDtoDAsync(CudaBuffer.of(dst, backend).ptr().withByteOffset(dstOffset * 4),
                CudaBuffer.of(src, backend).ptr().withByteOffset(srcOffset * 4), n * 4, backend.stream());
    }

    @Override
    public synchronized void close() {
        dummyFloats.close();
        dummyInts.close();
    }
}
