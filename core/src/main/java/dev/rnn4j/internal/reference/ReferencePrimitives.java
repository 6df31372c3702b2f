package dev.rnn4j.internal.reference;

import static dev.rnn4j.internal.host.HostBuffer.floatsForRead;
import static dev.rnn4j.internal.host.HostBuffer.floatsForWrite;

import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.internal.host.HostPrimitives;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;

/**
 * The reference primitives: the GEMM and the column sums as plain loops in double, the cells of {@link
 * ReferenceCells}, and the host backends' shared data moves ({@link HostPrimitives}), which compute nothing an oracle
 * would do otherwise.
 */
final class ReferencePrimitives implements HostPrimitives {

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                     float beta, DeviceBuffer c, long cOffset, int ldc) {
        float[] A = floatsForRead(a);
        float[] B = floatsForRead(b);
        float[] C = floatsForWrite(c);
        boolean ta = transA == Transpose.YES;
        boolean tb = transB == Transpose.YES;
        for (int row = 0; row < m; row++) {
            for (int col = 0; col < n; col++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? A[(int) (aOffset + (long) p * lda + row)] : A[(int) (aOffset + (long) row * lda + p)];
                    double bv = tb ? B[(int) (bOffset + (long) col * ldb + p)] : B[(int) (bOffset + (long) p * ldb + col)];
                    sum += av * bv;
                }
                int ci = (int) (cOffset + (long) row * ldc + col);
                double previous = beta == 0 ? 0 : (double) beta * C[ci];
                C[ci] = (float) (alpha * sum + previous);
            }
        }
    }

    @Override
    public void cellForward(CellType cell, StepArgs s) {
        ReferenceCells.forward(cell, s);
    }

    @Override
    public void cellBackward(CellType cell, StepArgs s) {
        ReferenceCells.backward(cell, s);
    }

    @Override
    public void gruResetForward(StepArgs s) {
        ReferenceCells.gruResetForward(s);
    }

    @Override
    public void gruResetBackward(StepArgs s) {
        ReferenceCells.gruResetBackward(s);
    }

    @Override
    public void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta, DeviceBuffer dst,
                           long dstOffset) {
        float[] s = floatsForRead(src);
        float[] d = floatsForWrite(dst);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += s[(int) srcOffset + r * cols + c];
            }
            int di = (int) dstOffset + c;
            d[di] = (float) (sum + (beta == 0 ? 0 : (double) beta * d[di]));
        }
    }

    @Override
    public void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta, DeviceBuffer dst,
                                     long dstOffset) {
        float[] av = floatsForRead(a.buffer());
        float[] bv = floatsForRead(b.buffer());
        float[] d = floatsForWrite(dst);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += (double) av[(int) (a.offset() + (long) r * a.ld() + c)] * bv[(int) (b.offset() + (long) r * b.ld() + c)];
            }
            int o = (int) dstOffset + c;
            d[o] = (float) (beta == 0 ? sum : beta * d[o] + sum);
        }
    }
}
