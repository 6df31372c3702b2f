package dev.rnn4j.kernels;

import java.util.Locale;

/**
 * How a device backend runs the forward steps of a small batch (at most {@link KernelSource#STEP_MAX_BATCH} rows);
 * larger batches always take a GEMM and a cell kernel per step. Every form passes the conformance suite; they differ
 * in launches and in where W_hh is read from.
 */
public enum StepForm {
    /** A GEMM and a cell kernel per step. */
    UNFUSED("forward steps unfused"),
    /** One {@code recurrent_forward} launch per step: the recurrent GEMM and the cell together. */
    FUSED("fused forward steps for batch <= " + KernelSource.STEP_MAX_BATCH),
    /**
     * A layer direction's steps in {@code recurrent_sequence} launches that keep each group's rows of W_hh in local
     * memory across steps: one launch for all steps where the device guarantees every group resident (a CUDA
     * cooperative launch), else one per step; {@link #FUSED} where the rows do not fit on chip.
     */
    PERSISTENT("persistent forward steps for batch <= " + KernelSource.STEP_MAX_BATCH
            + " (W_hh on chip where it fits, else fused steps)");

    /** The system property that chooses a form. */
    public static final String PROPERTY = "rnn4j.kernels.stepForm";

    private final String description;

    StepForm(String description) {
        this.description = description;
    }

    /** The form as a backend's device description says it. */
    public String description() {
        return description;
    }

    /**
     * The form {@code -Drnn4j.kernels.stepForm} ({@code unfused}, {@code fused} or {@code persistent}) names where it
     * is set, else {@code deviceDefault}.
     *
     * @throws IllegalArgumentException when the property names no form
     */
    public static StepForm chosen(StepForm deviceDefault) {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return deviceDefault;
        }
        for (StepForm f : values()) {
            if (f.name().equalsIgnoreCase(v.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("-D" + PROPERTY + " must be unfused, fused or persistent, got '" + v + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
