package dev.rnn4j.cpu;

import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.DeviceInfo;
import dev.rnn4j.spi.ElementType;
import dev.rnn4j.spi.Primitives;

/** The CPU backend: heap buffers, the shared worker pool, and vector or scalar kernels. */
final class CpuBackend implements Backend {
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final CpuPrimitives primitives;
    private final CpuTrainingPrimitives training = new CpuTrainingPrimitives();
    private final String kernels;
    private final int threads;
    private volatile boolean closed;

    /**
     * @param laneGemms two single-threaded GEMMs for the halves of paired calls (see {@link CpuPrimitives})
     */
    CpuBackend(WorkerPool pool, Gemm gemm, Gemm[] laneGemms, CellKernels cells, String kernels) {
        this.primitives = new CpuPrimitives(pool, gemm, laneGemms, cells);
        this.kernels = kernels;
        this.threads = pool.parts();
    }

    @Override
    public String name() {
        return CpuBackendProvider.NAME;
    }

    @Override
    public DeviceInfo device() {
        Runtime rt = Runtime.getRuntime();
        return new DeviceInfo(System.getProperty("os.arch") + " CPU, " + threads + " threads", rt.maxMemory(),
                rt.availableProcessors(), kernels);
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        return allocate(ElementType.FLOAT32, floats);
    }

    @Override
    public DeviceBuffer allocateInts(long ints) {
        return allocate(ElementType.INT32, ints);
    }

    private DeviceBuffer allocate(ElementType type, long n) {
        requireOpen();
        if (n < 0) {
            throw new IllegalArgumentException("buffer size must be >= 0, got " + n);
        }
        if (n > MAX_ELEMENTS) {
            throw new DeviceOutOfMemoryException(n * 4, "the cpu backend holds at most " + MAX_ELEMENTS
                    + " elements per buffer (a Java array), asked for " + n
                    + "; use a smaller batch or sequence length", null);
        }
        try {
            return new CpuBuffer(type, (int) n);
        } catch (OutOfMemoryError e) {
            throw new DeviceOutOfMemoryException(n * 4, "Java heap exhausted allocating " + n + " " + type
                    + " elements (" + (n * 4 >> 20) + " MiB); raise -Xmx or use a smaller batch or sequence length", e);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, CpuBuffer.floatsForWrite(dst), (int) dstOffset, n);
    }

    @Override
    public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, CpuBuffer.intsForWrite(dst), (int) dstOffset, n);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
        requireOpen();
        System.arraycopy(CpuBuffer.floatsForRead(src), (int) srcOffset, dst, dstOffset, n);
    }

    @Override
    public Primitives primitives() {
        requireOpen();
        return primitives;
    }

    @Override
    public dev.rnn4j.spi.TrainingPrimitives trainingPrimitives() {
        requireOpen();
        return training;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("cpu backend used after close");
        }
    }

    /** Marks the backend closed; the shared pool's threads stay for other backends (they are daemons). */
    @Override
    public void close() {
        closed = true;
    }
}
