package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import java.util.List;

/**
 * Gradient clipping by global norm, as PyTorch's {@code clip_grad_norm_}: the L2 norm over every gradient; when it
 * exceeds {@code maxNorm} every gradient is scaled by {@code maxNorm / (norm + 1e-6)}. The squares are summed on
 * the device in {@link #PARTS} partial sums per tensor; only those cross to the host.
 */
public final class GradientClipping {
    /** Partial sums per tensor. */
    public static final int PARTS = 256;

    private GradientClipping() {
    }

    /** Clips in place and returns the norm before clipping. */
    public static double clipGlobalNorm(Backend backend, List<TrainableTensor> tensors, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(backend, tensors);
        if (norm > maxNorm) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            for (TrainableTensor t : tensors) {
                backend.trainingPrimitives().scale(t.gradient(), 0, t.size(), factor);
            }
        }
        return norm;
    }

    /** The L2 norm over every tensor's gradient. */
    public static double globalNorm(Backend backend, List<TrainableTensor> tensors) {
        try (DeviceBuffer parts = backend.allocate((long) PARTS * tensors.size())) {
            for (int i = 0; i < tensors.size(); i++) {
                TrainableTensor t = tensors.get(i);
                backend.trainingPrimitives().sumOfSquares(t.gradient(), 0, t.size(), parts, (long) i * PARTS, PARTS);
            }
            float[] v = new float[PARTS * tensors.size()];
            backend.download(parts, 0, v, 0, v.length);
            double sum = 0;
            for (float f : v) {
                sum += f;
            }
            return Math.sqrt(sum);
        }
    }
}
