package dev.rnn4j;

import java.util.Locale;

/**
 * The precision a layer's weight matrices (W_ih, W_hh and the projection W_hr; never biases or peepholes) are held
 * to for inference. The layer computes exactly as a float32 layer whose weights are the rounded values: activations,
 * states and every sum stay float32, so the choice changes only the weights, by at most half a unit of their last
 * kept bit. A backend that supports it keeps the weights compactly as well, which halves (BFLOAT16) or quarters
 * (INT8) the bytes a small batch reads per step; one that does not computes from the rounded values in float32,
 * with the same results.
 */
public enum WeightPrecision {
    /** IEEE binary32: the weights as given. */
    FLOAT32,
    /**
     * bfloat16: float32's sign and exponent with 8 bits of significand, each weight rounded to the nearest (ties to
     * even); relative error at most 2⁻⁸ (0.4%).
     */
    BFLOAT16,
    /**
     * 8-bit integers with one float32 scale per matrix row (per gate unit): {@code s = max|w| / 127},
     * {@code q = round(w / s)} in [−127, 127], and the weight is {@code q · s} (a float32 product). Absolute error at
     * most s / 2 per weight of the row.
     */
    INT8;

    /** The largest int8 magnitude used: symmetric, so −128 never occurs and negation is exact. */
    public static final int INT8_LIMIT = 127;

    /** Lower-case name as options and files spell it: {@code float32}, {@code bfloat16}, {@code int8}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The precision {@code text} names: {@code float32} ({@code fp32}), {@code bfloat16} ({@code bf16}) or {@code int8},
     * any case.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static WeightPrecision parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "int8", "i8" -> INT8;
            default -> throw new IllegalArgumentException("weight precision must be float32, bfloat16 or int8, got '"
                    + text + "'");
        };
    }

    /**
     * Rounds a {@code rows × cols} row-major matrix to this precision in place and returns the row scales for
     * {@link #INT8} ({@code q = w / scale} is then an integer in [−127, 127] for every value of the row), null
     * otherwise.
     *
     * @throws IllegalArgumentException when a value is not finite or rounds beyond float32's range
     */
    public float[] roundInPlace(float[] w, int offset, int rows, int cols) {
        return switch (this) {
            case FLOAT32 -> null;
            case BFLOAT16 -> {
                for (int i = offset; i < offset + rows * cols; i++) {
                    w[i] = toBfloat16(w[i]);
                }
                yield null;
            }
            case INT8 -> {
                float[] scales = new float[rows];
                for (int r = 0; r < rows; r++) {
                    scales[r] = roundRowToInt8(w, offset + r * cols, cols);
                }
                yield scales;
            }
        };
    }

    /**
     * {@code x} rounded to the nearest bfloat16 (ties to even), as a float.
     *
     * @throws IllegalArgumentException when x is not finite or rounds past the largest finite value
     */
    public static float toBfloat16(float x) {
        if (!Float.isFinite(x)) {
            throw new IllegalArgumentException("weight " + x + " is not finite");
        }
        int bits = Float.floatToRawIntBits(x);
        int lsb = (bits >>> 16) & 1;
        float rounded = Float.intBitsToFloat((bits + 0x7FFF + lsb) & 0xFFFF0000);
        if (!Float.isFinite(rounded)) {
            throw new IllegalArgumentException("weight " + x + " exceeds bfloat16's range");
        }
        return rounded;
    }

    /** Rounds one row to int8 times a scale in place; returns the scale (0 for a row of zeros). */
    private static float roundRowToInt8(float[] w, int at, int cols) {
        float max = 0;
        for (int c = 0; c < cols; c++) {
            float v = w[at + c];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("weight " + v + " is not finite");
            }
            max = Math.max(max, Math.abs(v));
        }
        float scale = max / INT8_LIMIT;
        for (int c = 0; c < cols; c++) {
            // A scale that underflowed to zero (a row below 127 subnormals) leaves only zeros.
            int q = scale == 0 ? 0 : Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, Math.round(w[at + c] / scale)));
            w[at + c] = q * scale;
        }
        return scale;
    }

    /** Whether weights of {@code kind} are held to this precision: the matrices, never biases or peepholes. */
    public static boolean applies(ParameterKind kind) {
        return kind == ParameterKind.WEIGHT_IH || kind == ParameterKind.WEIGHT_HH || kind == ParameterKind.PROJECTION;
    }
}
