package dev.rnn4j.reference;

import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.ElementType;

/** A reference-backend buffer: a Java array on the heap. */
final class HostBuffer implements DeviceBuffer {
    private final ElementType type;
    private float[] floats;
    private int[] ints;

    HostBuffer(ElementType type, int size) {
        this.type = type;
        if (type == ElementType.FLOAT32) {
            floats = new float[size];
        } else {
            ints = new int[size];
        }
    }

    /** The storage of a float buffer; fails clearly on a closed, foreign or int buffer. */
    static float[] floats(DeviceBuffer b) {
        HostBuffer h = own(b);
        if (h.type != ElementType.FLOAT32) {
            throw new IllegalArgumentException("expected a FLOAT32 buffer, got " + h.type);
        }
        return h.floats;
    }

    /** The storage of an int buffer; fails clearly on a closed, foreign or float buffer. */
    static int[] ints(DeviceBuffer b) {
        HostBuffer h = own(b);
        if (h.type != ElementType.INT32) {
            throw new IllegalArgumentException("expected an INT32 buffer, got " + h.type);
        }
        return h.ints;
    }

    private static HostBuffer own(DeviceBuffer b) {
        if (!(b instanceof HostBuffer h)) {
            throw new IllegalArgumentException("buffer " + b + " was not allocated by the reference backend");
        }
        if (h.floats == null && h.ints == null) {
            throw new IllegalStateException("buffer used after close");
        }
        return h;
    }

    @Override
    public long size() {
        return floats != null ? floats.length : ints != null ? ints.length : 0;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public void close() {
        floats = null;
        ints = null;
    }

    @Override
    public String toString() {
        return "HostBuffer[" + type + " x " + size() + "]";
    }
}
