package dev.rnn4j;

import java.util.Objects;

/**
 * How a {@link RecurrentLayer} holds its weights: {@link #defaults()}, then {@code with…} for what differs.
 *
 * @param weightPrecision the precision of the weight matrices ({@link WeightPrecision}); anything but
 *                        {@link WeightPrecision#FLOAT32} makes the layer inference-only
 */
public record LayerOptions(WeightPrecision weightPrecision) {
    private static final LayerOptions DEFAULTS = new LayerOptions(WeightPrecision.FLOAT32);

    public LayerOptions {
        Objects.requireNonNull(weightPrecision, "weightPrecision must not be null");
    }

    /** Float32 weights, trainable. */
    public static LayerOptions defaults() {
        return DEFAULTS;
    }

    /** These options with the weight matrices held to {@code precision}. */
    public LayerOptions withWeightPrecision(WeightPrecision precision) {
        return new LayerOptions(precision);
    }
}
