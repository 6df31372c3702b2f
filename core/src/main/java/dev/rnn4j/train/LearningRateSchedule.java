package dev.rnn4j.train;

/**
 * The learning rate as a function of the step: constant, step decay (PyTorch's StepLR: ×gamma every
 * {@code stepSize} steps) or cosine annealing (CosineAnnealingLR: from the base rate to {@code minimum} over
 * {@code total} steps), each optionally after a linear warm-up.
 */
public interface LearningRateSchedule {
    /** The rate for step {@code step} (from 0). */
    float at(long step);

    static LearningRateSchedule constant(float rate) {
        return step -> rate;
    }

    static LearningRateSchedule stepDecay(float rate, long stepSize, float gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("stepSize must be >= 1, got " + stepSize);
        }
        return step -> (float) (rate * Math.pow(gamma, step / stepSize));
    }

    static LearningRateSchedule cosine(float rate, float minimum, long total) {
        if (total < 1) {
            throw new IllegalArgumentException("total must be >= 1, got " + total);
        }
        return step -> (float) (minimum + (rate - minimum) * (1 + Math.cos(Math.PI * Math.min(step, total) / total))
                / 2);
    }

    /** This schedule after {@code steps} steps of linear warm-up from rate/steps. */
    default LearningRateSchedule withWarmup(long steps) {
        return step -> step < steps ? at(steps) * (step + 1) / steps : at(step);
    }
}
