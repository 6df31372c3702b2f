package dev.rnn4j.io;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header.
 *
 * @param name  its key
 * @param dtype element type
 * @param shape dimensions (empty for a scalar)
 * @param begin first byte, relative to the start of the data section
 * @param end   one past the last byte
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    /** Number of elements: the product of the shape. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The shape as text, e.g. {@code [4, 3]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }
}
