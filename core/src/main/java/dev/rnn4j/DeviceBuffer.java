package dev.rnn4j;

/**
 * Memory owned by a {@link Backend}: on the device for GPU backends, on the heap for CPU ones. Offsets and sizes
 * are in elements, not bytes. Closing frees it; using a closed buffer is an error the backend reports. A buffer
 * may only be passed to the backend that allocated it.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** Capacity in elements. */
    long size();

    /** What the elements are. */
    ElementType type();

    /** Frees the memory; idempotent. */
    @Override
    void close();
}
