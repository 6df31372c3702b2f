package dev.rnn4j.internal.host;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import java.util.Arrays;

/**
 * The {@link Primitives} every host backend shares: the data moves, which copy or add floats and compute nothing an
 * oracle would do differently. A host backend implements the rest (GEMM, cells, column sums). The ranged forms of
 * the static helpers let a backend split one call across threads (the CPU backend's pool) and run the same loop
 * on each part.
 */
public interface HostPrimitives extends Primitives {

    @Override
    default void fill(DeviceBuffer dst, long offset, long n, float value) {
        Arrays.fill(HostBuffer.floatsForWrite(dst), (int) offset, (int) (offset + n), value);
    }

    @Override
    default void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        System.arraycopy(HostBuffer.floatsForRead(src), (int) srcOffset, HostBuffer.floatsForWrite(dst),
                (int) dstOffset, (int) n);
    }

    @Override
    default void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset, int rows,
                                     int cols) {
        broadcastRows(HostBuffer.floatsForRead(row), (int) rowOffset, HostBuffer.floatsForWrite(dst), (int) dstOffset,
                cols, 0, rows);
    }

    /** Rows {@code r0 … r1 − 1} of {@link Primitives#broadcastRows} on the arrays themselves. */
    static void broadcastRows(float[] row, int rowOffset, float[] dst, int dstOffset, int cols, int r0,
                                     int r1) {
        for (int r = r0; r < r1; r++) {
            System.arraycopy(row, rowOffset, dst, dstOffset + r * cols, cols);
        }
    }

    @Override
    default void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src, MatrixRef dst,
                                 boolean reverse) {
        copySteps(HostBuffer.ints(lengths), batch, width, HostBuffer.floatsForRead(src.buffer()), (int) src.offset(),
                src.ld(), HostBuffer.floatsForWrite(dst.buffer()), (int) dst.offset(), dst.ld(), reverse, 0, steps);
    }

    /** Steps {@code t0 … t1 − 1} of {@link Primitives#copySteps} on the arrays themselves. */
    static void copySteps(int[] lengths, int batch, int width, float[] src, int srcOffset, int srcLd,
                                 float[] dst, int dstOffset, int dstLd, boolean reverse, int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            for (int b = 0; b < batch; b++) {
                int dstRow = dstOffset + (t * batch + b) * dstLd;
                int len = lengths[b];
                if (t >= len) {
                    Arrays.fill(dst, dstRow, dstRow + width, 0f);
                    continue;
                }
                int from = reverse ? len - 1 - t : t;
                System.arraycopy(src, srcOffset + (from * batch + b) * srcLd, dst, dstRow, width);
            }
        }
    }

    /** O(B·P) per step and usually no row at all, so never split; dst is resolved for writing only when written. */
    @Override
    default void carryPastEnd(DeviceBuffer lengths, int step, int batch, int width, MatrixRef src,
                                    MatrixRef dst, float beta) {
        int[] len = HostBuffer.ints(lengths);
        float[] s = HostBuffer.floatsForRead(src.buffer());
        float[] d = null;
        for (int b = 0; b < batch; b++) {
            if (step < len[b]) {
                continue;
            }
            if (d == null) {
                d = HostBuffer.floatsForWrite(dst.buffer());
            }
            int si = (int) src.offset() + b * src.ld();
            int di = (int) dst.offset() + b * dst.ld();
            for (int j = 0; j < width; j++) {
                d[di + j] = beta == 0 ? s[si + j] : beta * d[di + j] + s[si + j];
            }
        }
    }

    @Override
    default void copyRows(DeviceBuffer indices, int rows, int width, MatrixRef src, MatrixRef dst,
                          boolean scatter) {
        int[] index = HostBuffer.ints(indices);
        float[] s = HostBuffer.floatsForRead(src.buffer());
        float[] d = HostBuffer.floatsForWrite(dst.buffer());
        for (int r = 0; r < rows; r++) {
            int from = scatter ? r : index[r];
            int to = scatter ? index[r] : r;
            System.arraycopy(s, (int) src.offset() + from * src.ld(), d, (int) dst.offset() + to * dst.ld(), width);
        }
    }
}
