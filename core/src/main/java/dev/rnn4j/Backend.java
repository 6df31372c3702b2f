package dev.rnn4j;

import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.TrainingPrimitives;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An opened backend: memory, transfers and {@link Primitives}. The BPTT driver in core composes these into whole
 * forward and backward passes.
 *
 * <p>Threads: a backend may be shared by threads; allocation, transfers and primitives are safe to call
 * concurrently, each caller working on its own buffers. Work is enqueued in call order; {@link #download} waits
 * for all work enqueued before it. Closing a backend frees what it still holds; buffers must not be used after.
 */
public interface Backend extends AutoCloseable {

    /** The provider name this backend was opened from. */
    String name();

    /** The device it runs on. */
    DeviceInfo device();

    /**
     * The settings this backend runs with, each as it took effect (from {@link BackendOptions}, a system property or
     * its default), in a stable order; e.g. {@code threads=2}, {@code gemm=library (cuBLAS)}. Empty for a backend
     * that has none.
     */
    default Map<String, String> settings() {
        return Map.of();
    }

    /**
     * Allocates {@code floats} float elements, contents undefined.
     *
     * @throws dev.rnn4j.DeviceOutOfMemoryException when the device cannot hold it
     */
    DeviceBuffer allocate(long floats);

    /**
     * Allocates {@code ints} 32-bit integers, contents undefined.
     *
     * @throws dev.rnn4j.DeviceOutOfMemoryException when the device cannot hold it
     */
    DeviceBuffer allocateInts(long ints);

    /** Copies {@code n} floats from the host into {@code dst}. */
    void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n);

    /** Copies {@code n} ints from the host into an {@link ElementType#INT32} buffer. */
    void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n);

    /** Copies {@code n} floats to the host, after all previously enqueued work has finished. */
    void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n);

    /**
     * Copies {@code n} floats from {@code src}, starting at its position (which does not move), into {@code dst}.
     * Backends copy straight out of a direct buffer where the device allows (OpenCL, CUDA) and out of a heap buffer
     * into their own memory without an intermediate array (CPU, reference); this default goes through one.
     */
    default void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset, int n) {
        float[] staged = new float[n];
        src.get(src.position(), staged);
        upload(staged, 0, dst, dstOffset, n);
    }

    /**
     * Copies {@code n} floats into {@code dst} from its position (which does not move), after all previously
     * enqueued work has finished; straight into a direct buffer where the backend can, as for {@link
     * #upload(FloatBuffer, DeviceBuffer, long, int)}.
     */
    default void download(DeviceBuffer src, long srcOffset, FloatBuffer dst, int n) {
        float[] staged = new float[n];
        download(src, srcOffset, staged, 0, n);
        dst.put(dst.position(), staged);
    }

    /** The compute primitives; enqueue-style, no call waits for the device. */
    Primitives primitives();

    /** The training primitives (losses, embeddings, dropout, optimizers); enqueue-style likewise. */
    TrainingPrimitives trainingPrimitives();

    /**
     * Waits until all work enqueued before it has finished: what a timer around asynchronous work needs. Backends
     * that compute synchronously (the CPU ones) have nothing to wait for.
     */
    default void finish() {
    }

    /** Releases every native resource; idempotent. */
    @Override
    void close();
}
