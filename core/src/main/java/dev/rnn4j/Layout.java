package dev.rnn4j;

/** Memory order of sequence tensors (inputs, outputs and their gradients). */
public enum Layout {
    /** {@code [T, B, features]}: all batch rows of step 0, then of step 1, ... (PyTorch's default). */
    SEQUENCE_MAJOR,
    /** {@code [B, T, features]}: all steps of sequence 0, then of sequence 1, ... (PyTorch's {@code batch_first}). */
    BATCH_MAJOR;

    /** {@code values} in this layout as a new or the same sequence-major array; null stays null. */
    public float[] toSequenceMajor(float[] values, int steps, int batch, int features) {
        return this == SEQUENCE_MAJOR || values == null ? values : swapLeading(values, batch, steps, features);
    }

    /** Sequence-major {@code values} in this layout, as a new or the same array; null stays null. */
    public float[] fromSequenceMajor(float[] values, int steps, int batch, int features) {
        return this == SEQUENCE_MAJOR || values == null ? values : swapLeading(values, steps, batch, features);
    }

    /** {@code [a, b, features]} to {@code [b, a, features]}. */
    private static float[] swapLeading(float[] src, int a, int b, int features) {
        if (src.length != (long) a * b * features) {
            throw new IllegalArgumentException("expected " + ((long) a * b * features) + " values for [" + a + ", "
                    + b + ", " + features + "], got " + src.length);
        }
        float[] dst = new float[src.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(src, (i * b + j) * features, dst, (j * a + i) * features, features);
            }
        }
        return dst;
    }
}
