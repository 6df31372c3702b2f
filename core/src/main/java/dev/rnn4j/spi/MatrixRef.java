package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;

/**
 * A row-major matrix inside a buffer: element (r, c) lives at {@code offset + r·ld + c}.
 *
 * @param buffer the buffer
 * @param offset element offset of (0, 0)
 * @param ld     leading dimension: elements between the starts of consecutive rows
 */
public record MatrixRef(DeviceBuffer buffer, long offset, int ld) {
}
