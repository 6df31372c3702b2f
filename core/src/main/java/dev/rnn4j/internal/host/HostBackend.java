package dev.rnn4j.internal.host;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.ElementType;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.TrainingPrimitives;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A backend whose memory is the Java heap: buffers are arrays, transfers are array copies, and everything a call
 * computes is done when it returns. The reference and CPU backends are this class with their own compute.
 */
public final class HostBackend implements Backend {
    /** Java arrays hold at most this many elements. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Makes the backend's buffers: a {@link HostBuffer}, or a subclass that keeps derived data. */
    @FunctionalInterface
    public interface Buffers {
        HostBuffer allocate(ElementType type, int size);
    }

    private final String name;
    private final Supplier<DeviceInfo> device;
    private final Primitives primitives;
    private final TrainingPrimitives training;
    private final Buffers buffers;
    private final Map<String, String> settings;
    private volatile boolean closed;

    /**
     * @param name       the provider's name
     * @param device     describes the device (read on every call: free memory changes)
     * @param primitives the backend's compute on {@link HostBuffer}s
     * @param training   its training primitives
     * @param buffers    makes its buffers
     */
    public HostBackend(String name, Supplier<DeviceInfo> device, Primitives primitives, TrainingPrimitives training,
                       Buffers buffers) {
        this(name, device, primitives, training, buffers, Map.of());
    }

    /** As above, with the settings it runs with ({@link #settings()}). */
    public HostBackend(String name, Supplier<DeviceInfo> device, Primitives primitives, TrainingPrimitives training,
                       Buffers buffers, Map<String, String> settings) {
        this.name = name;
        this.device = device;
        this.primitives = primitives;
        this.training = training;
        this.buffers = buffers;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    @Override
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceInfo device() {
        return device.get();
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
            throw new DeviceOutOfMemoryException(n * 4, "the " + name + " backend holds at most " + MAX_ELEMENTS
                    + " elements per buffer (a Java array), asked for " + n
                    + "; use a smaller batch or sequence length", null);
        }
        try {
            return buffers.allocate(type, (int) n);
        } catch (OutOfMemoryError e) {
            throw new DeviceOutOfMemoryException(n * 4, "Java heap exhausted allocating " + n + " " + type
                    + " elements (" + (n * 4 >> 20) + " MiB); raise -Xmx or use a smaller batch or sequence length", e);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, HostBuffer.floatsForWrite(dst), (int) dstOffset, n);
    }

    @Override
    public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        System.arraycopy(src, srcOffset, HostBuffer.intsForWrite(dst), (int) dstOffset, n);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
        requireOpen();
        System.arraycopy(HostBuffer.floatsForRead(src), (int) srcOffset, dst, dstOffset, n);
    }

    /** Straight into the buffer's array, with no array in between. */
    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset, int n) {
        requireOpen();
        src.get(src.position(), HostBuffer.floatsForWrite(dst), (int) dstOffset, n);
    }

    /** Straight out of the buffer's array, with no array in between. */
    @Override
    public void download(DeviceBuffer src, long srcOffset, FloatBuffer dst, int n) {
        requireOpen();
        dst.put(dst.position(), HostBuffer.floatsForRead(src), (int) srcOffset, n);
    }

    @Override
    public Primitives primitives() {
        requireOpen();
        return primitives;
    }

    @Override
    public TrainingPrimitives trainingPrimitives() {
        requireOpen();
        return training;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(name + " backend used after close");
        }
    }

    /** Marks the backend closed; buffers are garbage once unreferenced, and shared threads stay for others. */
    @Override
    public void close() {
        closed = true;
    }
}
