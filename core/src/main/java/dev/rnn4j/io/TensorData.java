package dev.rnn4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The data section of a safetensors file: the bytes of an array read into memory, or a file mapped read-only in
 * windows. A mapped buffer holds at most 2 GiB, so a larger file is mapped as consecutive windows {@code stride}
 * bytes apart, each reaching {@link #OVERLAP} bytes into the next: every element (at most 8 bytes) that starts in
 * a window ends in it, wherever the tensors begin. Mapping reserves address space only; pages are read when
 * touched and the mapping outlives the channel, so nothing needs closing.
 */
final class TensorData {
    /** The widest element, and so how far each window reaches into the next. */
    static final int OVERLAP = 8;
    /** The default distance between windows: 1 GiB, well inside a buffer's 2 GiB limit. */
    static final long DEFAULT_STRIDE = 1L << 30;

    private final ByteBuffer[] windows;
    private final long stride;
    private final long size;

    private TensorData(ByteBuffer[] windows, long stride, long size) {
        this.windows = windows;
        this.stride = stride;
        this.size = size;
    }

    /** {@code length} bytes of {@code bytes} from {@code offset}, in memory. */
    static TensorData of(byte[] bytes, int offset, int length) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new TensorData(new ByteBuffer[] {b}, Math.max(1, length), length);
    }

    /** {@code length} bytes of the file from {@code offset}, mapped in windows {@code stride} bytes apart. */
    static TensorData map(FileChannel channel, long offset, long length, long stride) throws IOException {
        if (stride < OVERLAP || stride > Integer.MAX_VALUE - OVERLAP) {
            throw new IllegalArgumentException("window stride " + stride + " out of range");
        }
        int count = (int) Math.max(1, (length + stride - 1) / stride);
        ByteBuffer[] windows = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long start = i * stride;
            long bytes = Math.min(stride + OVERLAP, length - start);
            windows[i] = channel.map(FileChannel.MapMode.READ_ONLY, offset + start, Math.max(0, bytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        return new TensorData(windows, stride, length);
    }

    /** Bytes in the section. */
    long size() {
        return size;
    }

    /**
     * The bytes [{@code begin}, {@code begin + length}) as one little-endian buffer, or null when they cross from one
     * window into the next beyond the overlap (then read element by element).
     */
    ByteBuffer span(long begin, long length) {
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        int w = (int) (begin / stride);
        long local = begin - w * stride;
        ByteBuffer window = windows[w];
        if (local + length > window.capacity()) {
            return null;
        }
        return window.duplicate().position((int) local).limit((int) (local + length)).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    short getShort(long at) {
        return windows[(int) (at / stride)].getShort((int) (at % stride));
    }

    int getInt(long at) {
        return windows[(int) (at / stride)].getInt((int) (at % stride));
    }

    long getLong(long at) {
        return windows[(int) (at / stride)].getLong((int) (at % stride));
    }

    float getFloat(long at) {
        return windows[(int) (at / stride)].getFloat((int) (at % stride));
    }

    double getDouble(long at) {
        return windows[(int) (at / stride)].getDouble((int) (at % stride));
    }
}
