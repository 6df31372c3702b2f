package dev.rnn4j.internal.reference;

import static dev.rnn4j.internal.host.HostBuffer.floatsForRead;
import static dev.rnn4j.internal.host.HostBuffer.floatsForWrite;
import static dev.rnn4j.internal.host.HostBuffer.ints;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.internal.host.HostTrainingPrimitives;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.OptimizerArgs;

/**
 * The oracle's training primitives: the losses, the norm's reduction and the optimizer steps as plain formulas in
 * double, the yardstick for the other backends. What only moves or multiplies floats (embeddings, dropout, scaling)
 * is the host backends' shared float code, which the oracle would compute no differently.
 */
final class ReferenceTrainingPrimitives extends HostTrainingPrimitives {

    @Override
    public void softmaxCrossEntropy(MatrixRef logits, DeviceBuffer targets, int rows, int classes, float scale,
                                    MatrixRef dLogits, DeviceBuffer losses) {
        float[] z = floatsForRead(logits.buffer());
        float[] dz = floatsForWrite(dLogits.buffer());
        float[] loss = floatsForWrite(losses);
        int[] t = ints(targets);
        for (int r = 0; r < rows; r++) {
            int row = (int) (logits.offset() + (long) r * logits.ld());
            int drow = (int) (dLogits.offset() + (long) r * dLogits.ld());
            if (t[r] < 0) {
                loss[r] = 0;
                java.util.Arrays.fill(dz, drow, drow + classes, 0f);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, z[row + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[row + c] - max);
            }
            loss[r] = (float) (Math.log(sum) + max - z[row + t[r]]);
            for (int c = 0; c < classes; c++) {
                double softmax = Math.exp(z[row + c] - max) / sum;
                dz[drow + c] = (float) (scale * (softmax - (c == t[r] ? 1 : 0)));
            }
        }
    }

    @Override
    public void squaredError(MatrixRef pred, MatrixRef target, DeviceBuffer mask, int rows, int cols, float scale,
                             MatrixRef dPred, DeviceBuffer losses) {
        float[] y = floatsForRead(pred.buffer());
        float[] t = floatsForRead(target.buffer());
        float[] dy = floatsForWrite(dPred.buffer());
        float[] loss = floatsForWrite(losses);
        int[] m = mask == null ? null : ints(mask);
        for (int r = 0; r < rows; r++) {
            boolean counts = m == null || m[r] != 0;
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                double diff = (double) y[(int) (pred.offset() + (long) r * pred.ld() + c)]
                        - t[(int) (target.offset() + (long) r * target.ld() + c)];
                sum += diff * diff;
                dy[(int) (dPred.offset() + (long) r * dPred.ld() + c)] = counts ? (float) (scale * 2 * diff) : 0f;
            }
            loss[r] = counts ? (float) sum : 0f;
        }
    }


    @Override
    public void sumOfSquares(DeviceBuffer x, long offset, long n, DeviceBuffer out, long outOffset, int parts) {
        float[] v = floatsForRead(x);
        float[] o = floatsForWrite(out);
        for (int p = 0; p < parts; p++) {
            double sum = 0;
            for (long i = p; i < n; i += parts) {
                double e = v[(int) (offset + i)];
                sum += e * e;
            }
            o[(int) outOffset + p] = (float) sum;
        }
    }

    @Override
    public void optimizerStep(OptimizerArgs a) {
        float[] w = floatsForWrite(a.weights);
        float[] g = floatsForRead(a.gradients);
        float[] s1 = a.state1 == null ? null : floatsForWrite(a.state1);
        float[] s2 = a.state2 == null ? null : floatsForWrite(a.state2);
        double c1 = 1 - Math.pow(a.beta1, a.step);
        double c2 = 1 - Math.pow(a.beta2, a.step);
        for (int i = 0; i < a.n; i++) {
            int wi = (int) a.weightsOffset + i;
            double wv = w[wi];
            double gv = g[(int) a.gradientsOffset + i];
            if (a.decoupledWeightDecay) {
                wv -= (double) a.learningRate * a.weightDecay * wv;
            } else {
                gv += a.weightDecay * wv;
            }
            switch (a.kind) {
                case SGD -> {
                    if (s1 != null && a.momentum != 0) {
                        int si = (int) a.state1Offset + i;
                        double buf = a.momentum * s1[si] + gv;
                        s1[si] = (float) buf;
                        gv = buf;
                    }
                    wv -= a.learningRate * gv;
                }
                case ADAM -> {
                    int mi = (int) a.state1Offset + i;
                    int vi = (int) a.state2Offset + i;
                    double m = a.beta1 * s1[mi] + (1 - a.beta1) * gv;
                    double v = a.beta2 * s2[vi] + (1 - a.beta2) * gv * gv;
                    s1[mi] = (float) m;
                    s2[vi] = (float) v;
                    wv -= a.learningRate / c1 * m / (Math.sqrt(v) / Math.sqrt(c2) + a.eps);
                }
                case RMSPROP -> {
                    int si = (int) a.state1Offset + i;
                    double sq = a.alpha * s1[si] + (1 - a.alpha) * gv * gv;
                    s1[si] = (float) sq;
                    wv -= a.learningRate * gv / (Math.sqrt(sq) + a.eps);
                }
            }
            w[wi] = (float) wv;
        }
    }
}
