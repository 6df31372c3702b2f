package dev.rnn4j.reference;

import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.DeviceInfo;
import dev.rnn4j.spi.ElementType;
import dev.rnn4j.spi.Primitives;

/** The reference backend: heap arrays and {@link ReferencePrimitives}. Everything runs on the calling thread. */
final class ReferenceBackend implements Backend {
    /** Java arrays hold at most this many elements. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final ReferencePrimitives primitives = new ReferencePrimitives();
    private volatile boolean closed;

    @Override
    public String name() {
        return ReferenceBackendProvider.NAME;
    }

    @Override
    public DeviceInfo device() {
        Runtime rt = Runtime.getRuntime();
        return new DeviceInfo("Java heap (" + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + ")", rt.maxMemory(), rt.availableProcessors(),
                "plain Java loops, double accumulation; the oracle, not a fast path");
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
            throw new DeviceOutOfMemoryException(n * 4, "the reference backend holds at most " + MAX_ELEMENTS
                    + " elements per buffer, asked for " + n + "; use a smaller batch or sequence length", null);
        }
        try {
            return new HostBuffer(type, (int) n);
        } catch (OutOfMemoryError e) {
            throw new DeviceOutOfMemoryException(n * 4, "Java heap exhausted allocating " + n + " " + type
                    + " elements (" + (n * 4 >> 20) + " MiB); raise -Xmx or use a smaller batch or sequence length", e);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, HostBuffer.floats(dst), (int) dstOffset, n);
    }

    @Override
    public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, HostBuffer.ints(dst), (int) dstOffset, n);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
        requireOpen();
        System.arraycopy(HostBuffer.floats(src), (int) srcOffset, dst, dstOffset, n);
    }

    @Override
    public Primitives primitives() {
        requireOpen();
        return primitives;
    }

    @Override
    public dev.rnn4j.spi.TrainingPrimitives trainingPrimitives() {
        requireOpen();
        return primitives;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("reference backend used after close");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
