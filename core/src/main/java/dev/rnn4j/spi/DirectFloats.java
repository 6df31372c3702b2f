package dev.rnn4j.spi;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * The part of a caller's buffer a device driver may copy straight from or into: a direct buffer in the machine's
 * byte order, whose address a native call can take. Other buffers go through an array.
 */
public final class DirectFloats {
    private DirectFloats() {
    }

    /**
     * {@code n} floats of {@code buffer} from its position, as a buffer of their own (its position 0), when a driver
     * can copy them straight; null when {@code buffer} is on the heap or in the other byte order.
     *
     * @throws IndexOutOfBoundsException when fewer than {@code n} floats remain
     */
    public static FloatBuffer window(FloatBuffer buffer, int n) {
        Objects.checkFromIndexSize(buffer.position(), n, buffer.limit());
        if (!buffer.isDirect() || buffer.order() != ByteOrder.nativeOrder()) {
            return null;
        }
        return buffer.slice(buffer.position(), n);
    }
}
