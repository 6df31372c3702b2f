package dev.rnn4j.kernels;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.OptimizerArgs;
import dev.rnn4j.spi.TrainingPrimitives;

/**
 * The {@link TrainingPrimitives} of a device backend that runs this module's kernels ({@code training.c}): each
 * call passes its kernel's arguments through the backend's {@link KernelCalls}, under that object's lock, as its
 * {@link KernelPrimitives} do.
 */
public final class KernelTrainingPrimitives implements TrainingPrimitives {
    private final KernelCalls k;

    KernelTrainingPrimitives(KernelCalls k) {
        this.k = k;
    }

    @Override
    public void softmaxCrossEntropy(MatrixRef logits, DeviceBuffer targets, int rows, int classes,
                                    float scale, MatrixRef dLogits, DeviceBuffer losses) {
        synchronized (k) {
            k.begin("softmax_cross_entropy");
            k.matrix(logits);
            k.ints(targets);
            k.arg(rows);
            k.arg(classes);
            k.arg(scale);
            k.matrix(dLogits);
            k.buffer(losses);
            k.launch(rows);
        }
    }

    @Override
    public void squaredError(MatrixRef pred, MatrixRef target, DeviceBuffer mask, int rows, int cols,
                             float scale, MatrixRef dPred, DeviceBuffer losses) {
        synchronized (k) {
            k.begin("squared_error");
            k.matrix(pred);
            k.matrix(target);
            k.ints(mask);
            k.arg(mask != null);
            k.arg(rows);
            k.arg(cols);
            k.arg(scale);
            k.matrix(dPred);
            k.buffer(losses);
            k.launch(rows);
        }
    }

    @Override
    public void gatherRows(DeviceBuffer table, DeviceBuffer ids, int rows, int dim, MatrixRef out) {
        synchronized (k) {
            k.begin("gather_rows");
            k.buffer(table);
            k.ints(ids);
            k.arg(rows);
            k.arg(dim);
            k.matrix(out);
            k.launch((long) rows * dim);
        }
    }

    @Override
    public void scatterAddRows(MatrixRef dOut, DeviceBuffer ids, int rows, int dim, DeviceBuffer dTable) {
        synchronized (k) {
            k.begin("scatter_add_rows");
            k.matrix(dOut);
            k.ints(ids);
            k.arg(rows);
            k.arg(dim);
            k.buffer(dTable);
            k.launch(dim);
        }
    }

    @Override
    public void dropout(DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, DeviceBuffer mask,
                        long maskOffset, long n, float p, long seed) {
        synchronized (k) {
            k.begin("dropout_mask");
            k.buffer(x, xOffset);
            k.buffer(y, yOffset);
            k.buffer(mask, maskOffset);
            k.arg(KernelCalls.index(n));
            k.arg(p);
            k.arg((int) seed);
            k.arg((int) (seed >>> 32));
            k.launch(n);
        }
    }

    @Override
    public void multiply(DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer y,
                         long yOffset, long n) {
        synchronized (k) {
            k.begin("multiply_floats");
            k.buffer(a, aOffset);
            k.buffer(b, bOffset);
            k.buffer(y, yOffset);
            k.arg(KernelCalls.index(n));
            k.launch(n);
        }
    }

    @Override
    public void scale(DeviceBuffer x, long offset, long n, float factor) {
        synchronized (k) {
            k.begin("scale_floats");
            k.buffer(x, offset);
            k.arg(KernelCalls.index(n));
            k.arg(factor);
            k.launch(n);
        }
    }

    @Override
    public void sumOfSquares(DeviceBuffer x, long offset, long n, DeviceBuffer out, long outOffset,
                             int parts) {
        synchronized (k) {
            k.begin("sum_of_squares");
            k.buffer(x, offset);
            k.arg(KernelCalls.index(n));
            k.buffer(out, outOffset);
            k.arg(parts);
            k.launch(parts);
        }
    }

    @Override
    public void optimizerStep(OptimizerArgs a) {
        synchronized (k) {
            k.begin("optimizer_step");
            k.arg(a.kind.ordinal());
            k.arg(KernelCalls.index(a.n));
            k.buffer(a.weights, a.weightsOffset);
            k.buffer(a.gradients, a.gradientsOffset);
            k.buffer(a.state1, a.state1 == null ? 0 : a.state1Offset);
            k.arg(a.state1 != null);
            k.buffer(a.state2, a.state2 == null ? 0 : a.state2Offset);
            k.arg(a.learningRate);
            k.arg(a.weightDecay);
            k.arg(a.decoupledWeightDecay);
            k.arg(a.momentum);
            k.arg(a.beta1);
            k.arg(a.beta2);
            k.arg(a.alpha);
            k.arg(a.eps);
            k.arg((float) (a.learningRate / (1 - Math.pow(a.beta1, a.step))));
            k.arg((float) Math.sqrt(1 - Math.pow(a.beta2, a.step)));
            k.launch(a.n);
        }
    }
}
