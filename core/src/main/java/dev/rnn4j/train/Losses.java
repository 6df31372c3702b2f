package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;

/**
 * The losses, computed on the device: their per-row values cross to the host (one float per row) for the mean
 * that is reported; the gradient stays on the device, already divided by the number of rows that count.
 */
public final class Losses implements AutoCloseable {
    private final Backend backend;
    private final DeviceArray targets;
    private final DeviceArray floatTargets;
    private final DeviceArray losses;
    private final DeviceArray gradient;

    public Losses(Backend backend) {
        this.backend = backend;
        this.targets = new DeviceArray(backend, true);
        this.floatTargets = new DeviceArray(backend, false);
        this.losses = new DeviceArray(backend, false);
        this.gradient = new DeviceArray(backend, false);
    }

    /** The gradient of the last loss, {@code [rows, classes or cols]}, valid until the next. */
    public DeviceBuffer gradient() {
        return gradient.get(1);
    }

    /**
     * Mean softmax cross-entropy over the rows whose target is a class ({@code −1} pads), and its gradient when
     * {@code withGradient}.
     *
     * @throws IllegalArgumentException for a target outside −1..classes−1, or when no row counts
     */
    public double crossEntropy(DeviceBuffer logits, int[] targetClasses, int rows, int classes, boolean withGradient) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int t = targetClasses[r];
            if (t < -1 || t >= classes) {
                throw new IllegalArgumentException("target " + t + " at row " + r + " is outside -1.." + (classes - 1));
            }
            count += t >= 0 ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException("every row is padding: no loss to compute");
        }
        DeviceBuffer t = targets.get(rows);
        backend.uploadInts(targetClasses, 0, t, 0, rows);
        DeviceBuffer l = losses.get(rows);
        DeviceBuffer g = gradient.get((long) rows * classes);
        backend.trainingPrimitives().softmaxCrossEntropy(new MatrixRef(logits, 0, classes), t, rows, classes,
                withGradient ? 1f / count : 0f, new MatrixRef(g, 0, classes), l);
        return mean(l, rows, count);
    }

    /** Mean over rows of the squared error summed over columns, and its gradient (rows with mask 0 do not count). */
    public double squaredError(DeviceBuffer pred, float[] target, int[] mask, int rows, int cols,
                               boolean withGradient) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            count += mask == null || mask[r] != 0 ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException("every row is masked: no loss to compute");
        }
        DeviceBuffer t = floatTargets.get((long) rows * cols);
        backend.upload(target, 0, t, 0, rows * cols);
        DeviceBuffer m = null;
        if (mask != null) {
            m = targets.get(rows);
            backend.uploadInts(mask, 0, m, 0, rows);
        }
        DeviceBuffer l = losses.get(rows);
        DeviceBuffer g = gradient.get((long) rows * cols);
        backend.trainingPrimitives().squaredError(new MatrixRef(pred, 0, cols), new MatrixRef(t, 0, cols), m, rows,
                cols, withGradient ? 1f / count : 0f, new MatrixRef(g, 0, cols), l);
        return mean(l, rows, count);
    }

    private double mean(DeviceBuffer l, int rows, int count) {
        float[] v = new float[rows];
        backend.download(l, 0, v, 0, rows);
        double sum = 0;
        for (float x : v) {
            sum += x;
        }
        return sum / count;
    }

    @Override
    public void close() {
        targets.close();
        floatTargets.close();
        losses.close();
        gradient.close();
    }
}
