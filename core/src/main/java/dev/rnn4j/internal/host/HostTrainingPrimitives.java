package dev.rnn4j.internal.host;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.DropoutHash;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.OptimizerArgs;
import dev.rnn4j.spi.TrainingPrimitives;
import java.util.Arrays;

/**
 * The training primitives of the host backends: plain float loops on the calling thread. They touch O(parameters)
 * or O(rows · classes) values once per step, next to the recurrent layers' O(T·B·H²) GEMMs; the loops are written
 * unit-stride so C2 vectorises them. The reference backend overrides the ones whose arithmetic it does in double
 * (losses, the norm's reduction, optimizer steps); the rest move or multiply floats, the same for both.
 */
public class HostTrainingPrimitives implements TrainingPrimitives {

    @Override
    public void softmaxCrossEntropy(MatrixRef logits, DeviceBuffer targets, int rows, int classes, float scale,
                                    MatrixRef dLogits, DeviceBuffer losses) {
        float[] z = HostBuffer.floatsForRead(logits.buffer());
        int[] t = HostBuffer.ints(targets);
        float[] dz = HostBuffer.floatsForWrite(dLogits.buffer());
        float[] loss = HostBuffer.floatsForWrite(losses);
        for (int r = 0; r < rows; r++) {
            int row = (int) logits.offset() + r * logits.ld();
            int drow = (int) dLogits.offset() + r * dLogits.ld();
            if (t[r] < 0) {
                loss[r] = 0;
                Arrays.fill(dz, drow, drow + classes, 0f);
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, z[row + c]);
            }
            float sum = 0;
            for (int c = 0; c < classes; c++) {
                float e = (float) Math.exp(z[row + c] - max);
                dz[drow + c] = e;
                sum += e;
            }
            float inv = scale / sum;
            for (int c = 0; c < classes; c++) {
                dz[drow + c] *= inv;
            }
            dz[drow + t[r]] -= scale;
            loss[r] = (float) Math.log(sum) + max - z[row + t[r]];
        }
    }

    @Override
    public void squaredError(MatrixRef pred, MatrixRef target, DeviceBuffer mask, int rows, int cols, float scale,
                             MatrixRef dPred, DeviceBuffer losses) {
        float[] y = HostBuffer.floatsForRead(pred.buffer());
        float[] t = HostBuffer.floatsForRead(target.buffer());
        int[] m = mask == null ? null : HostBuffer.ints(mask);
        float[] dy = HostBuffer.floatsForWrite(dPred.buffer());
        float[] loss = HostBuffer.floatsForWrite(losses);
        for (int r = 0; r < rows; r++) {
            boolean counts = m == null || m[r] != 0;
            int yr = (int) pred.offset() + r * pred.ld();
            int tr = (int) target.offset() + r * target.ld();
            int dr = (int) dPred.offset() + r * dPred.ld();
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                float diff = y[yr + c] - t[tr + c];
                sum += diff * diff;
                dy[dr + c] = counts ? scale * 2 * diff : 0f;
            }
            loss[r] = counts ? sum : 0f;
        }
    }

    @Override
    public void gatherRows(DeviceBuffer table, DeviceBuffer ids, int rows, int dim, MatrixRef out) {
        float[] w = HostBuffer.floatsForRead(table);
        int[] id = HostBuffer.ints(ids);
        float[] o = HostBuffer.floatsForWrite(out.buffer());
        for (int r = 0; r < rows; r++) {
            int to = (int) out.offset() + r * out.ld();
            if (id[r] < 0) {
                Arrays.fill(o, to, to + dim, 0f);
            } else {
                System.arraycopy(w, id[r] * dim, o, to, dim);
            }
        }
    }

    @Override
    public void scatterAddRows(MatrixRef dOut, DeviceBuffer ids, int rows, int dim, DeviceBuffer dTable) {
        float[] d = HostBuffer.floatsForRead(dOut.buffer());
        int[] id = HostBuffer.ints(ids);
        float[] g = HostBuffer.floatsForWrite(dTable);
        for (int r = 0; r < rows; r++) {
            if (id[r] < 0) {
                continue;
            }
            int from = (int) dOut.offset() + r * dOut.ld();
            int to = id[r] * dim;
            for (int c = 0; c < dim; c++) {
                g[to + c] += d[from + c];
            }
        }
    }

    @Override
    public void dropout(DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, DeviceBuffer mask, long maskOffset,
                        long n, float p, long seed) {
        float[] xv = HostBuffer.floatsForRead(x);
        float[] yv = HostBuffer.floatsForWrite(y);
        float[] mv = HostBuffer.floatsForWrite(mask);
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            float m = DropoutHash.uniform(seed, i) >= p ? keep : 0f;
            mv[(int) maskOffset + i] = m;
            yv[(int) yOffset + i] = xv[(int) xOffset + i] * m;
        }
    }

    @Override
    public void multiply(DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer y, long yOffset,
                         long n) {
        float[] av = HostBuffer.floatsForRead(a);
        float[] bv = HostBuffer.floatsForRead(b);
        float[] yv = HostBuffer.floatsForWrite(y);
        for (int i = 0; i < n; i++) {
            yv[(int) yOffset + i] = av[(int) aOffset + i] * bv[(int) bOffset + i];
        }
    }

    @Override
    public void scale(DeviceBuffer x, long offset, long n, float factor) {
        float[] v = HostBuffer.floatsForWrite(x);
        for (int i = 0; i < n; i++) {
            v[(int) offset + i] *= factor;
        }
    }

    @Override
    public void sumOfSquares(DeviceBuffer x, long offset, long n, DeviceBuffer out, long outOffset, int parts) {
        float[] v = HostBuffer.floatsForRead(x);
        float[] o = HostBuffer.floatsForWrite(out);
        for (int p = 0; p < parts; p++) {
            float sum = 0;
            for (long i = p; i < n; i += parts) {
                float e = v[(int) (offset + i)];
                sum += e * e;
            }
            o[(int) outOffset + p] = sum;
        }
    }

    @Override
    public void optimizerStep(OptimizerArgs a) {
        float[] w = HostBuffer.floatsForWrite(a.weights);
        float[] g = HostBuffer.floatsForRead(a.gradients);
        float[] s1 = a.state1 == null ? null : HostBuffer.floatsForWrite(a.state1);
        float[] s2 = a.state2 == null ? null : HostBuffer.floatsForWrite(a.state2);
        float lr = a.learningRate;
        float decay = a.weightDecay;
        int wo = (int) a.weightsOffset;
        int go = (int) a.gradientsOffset;
        int o1 = (int) a.state1Offset;
        int o2 = (int) a.state2Offset;
        int n = Math.toIntExact(a.n);
        switch (a.kind) {
            case SGD -> {
                boolean momentum = s1 != null && a.momentum != 0;
                for (int i = 0; i < n; i++) {
                    float wv = w[wo + i];
                    float gv = g[go + i];
                    if (a.decoupledWeightDecay) {
                        wv -= lr * decay * wv;
                    } else {
                        gv += decay * wv;
                    }
                    if (momentum) {
                        gv = a.momentum * s1[o1 + i] + gv;
                        s1[o1 + i] = gv;
                    }
                    w[wo + i] = wv - lr * gv;
                }
            }
            case ADAM -> {
                float stepSize = (float) (lr / (1 - Math.pow(a.beta1, a.step)));
                float root2 = (float) Math.sqrt(1 - Math.pow(a.beta2, a.step));
                for (int i = 0; i < n; i++) {
                    float wv = w[wo + i];
                    float gv = g[go + i];
                    if (a.decoupledWeightDecay) {
                        wv -= lr * decay * wv;
                    } else {
                        gv += decay * wv;
                    }
                    float m = a.beta1 * s1[o1 + i] + (1 - a.beta1) * gv;
                    float v = a.beta2 * s2[o2 + i] + (1 - a.beta2) * gv * gv;
                    s1[o1 + i] = m;
                    s2[o2 + i] = v;
                    w[wo + i] = wv - stepSize * m / ((float) Math.sqrt(v) / root2 + a.eps);
                }
            }
            case RMSPROP -> {
                for (int i = 0; i < n; i++) {
                    float wv = w[wo + i];
                    float gv = g[go + i];
                    if (a.decoupledWeightDecay) {
                        wv -= lr * decay * wv;
                    } else {
                        gv += decay * wv;
                    }
                    float sq = a.alpha * s1[o1 + i] + (1 - a.alpha) * gv * gv;
                    s1[o1 + i] = sq;
                    w[wo + i] = wv - lr * gv / ((float) Math.sqrt(sq) + a.eps);
                }
            }
        }
    }
}
