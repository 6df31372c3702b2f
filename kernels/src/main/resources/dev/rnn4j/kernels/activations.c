/*
 * The gate arithmetic every step kernel shares: gate counts, the activation functions (ONNX's list, by ACT_ code)
 * and their slopes, and a gate's pre-activation through ONNX's clip with what training keeps of it. Comparisons are
 * written so that NaN passes through, as in the Java kernels.
 *
 * A reserve row holds the cell's activations (LSTM i, f, g, o; GRU r, z, n and W_hn h + b_hn or r ⊙ h), then with
 * clip one pass flag per gate (flagsAt), then with ONNX activations each gate's pre-activation (presAt).
 */

/* Gates per hidden unit: CellType.gates() (LSTM 4, GRU 3, vanilla RNN 1). */
DEVICE_FN int gate_count(int cell) {
    return cell == CELL_LSTM ? 4 : (cell == CELL_GRU ? 3 : 1);
}

DEVICE_FN float act_apply(int f, float a, float b, float x) {
    switch (f) {
        case ACT_RELU: return x < 0.0f ? 0.0f : x;
        case ACT_TANH: return TANHF(x);
        case ACT_SIGMOID: return 1.0f / (1.0f + EXPF(-x));
        case ACT_AFFINE: return a * x + b;
        case ACT_LEAKY_RELU: return x >= 0.0f ? x : a * x;
        case ACT_THRESHOLDED_RELU: return x > a ? x : 0.0f;
        case ACT_SCALED_TANH: return a * TANHF(b * x);
        case ACT_HARD_SIGMOID: {
            float v = a * x + b;
            return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        }
        case ACT_ELU: return x >= 0.0f ? x : a * (EXPF(x) - 1.0f);
        case ACT_SOFTSIGN: return x / (1.0f + FABSF(x));
        default: /* ACT_SOFTPLUS */ return (x > 0.0f ? x : 0.0f) + LOG1PF(EXPF(-FABSF(x)));
    }
}

/* f'(x) at the pre-activation x. */
DEVICE_FN float act_slope(int f, float a, float b, float x) {
    switch (f) {
        case ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
        case ACT_TANH: {
            float t = TANHF(x);
            return 1.0f - t * t;
        }
        case ACT_SIGMOID: {
            float s = 1.0f / (1.0f + EXPF(-x));
            return s * (1.0f - s);
        }
        case ACT_AFFINE: return a;
        case ACT_LEAKY_RELU: return x >= 0.0f ? 1.0f : a;
        case ACT_THRESHOLDED_RELU: return x > a ? 1.0f : 0.0f;
        case ACT_SCALED_TANH: {
            float t = TANHF(b * x);
            return a * b * (1.0f - t * t);
        }
        case ACT_HARD_SIGMOID: {
            float v = a * x + b;
            return v > 0.0f && v < 1.0f ? a : 0.0f;
        }
        case ACT_ELU: return x >= 0.0f ? 1.0f : a * EXPF(x);
        case ACT_SOFTSIGN: {
            float d = 1.0f + FABSF(x);
            return 1.0f / (d * d);
        }
        default: /* ACT_SOFTPLUS */ return 1.0f / (1.0f + EXPF(-x));
    }
}

/* The derivative of a cell's own function (sigmoid, tanh, ReLU) from its output y. */
DEVICE_FN float act_slope_from_output(int f, float y) {
    return f == ACT_SIGMOID ? y * (1.0f - y) : (f == ACT_TANH ? 1.0f - y * y : (y > 0.0f ? 1.0f : 0.0f));
}

/* A gate's pre-activation through ONNX's clip; in training its pass flag and, with ONNX activations, the value. */
DEVICE_FN float gate_pre(float pre, float clip, GLOBAL float* reserve, int row, int flagsAt, int presAt, int q,
                         int hasReserve, int keepPre) {
    float v = pre;
    if (clip > 0.0f) {
        int passed = !(FABSF(pre) > clip);
        v = passed ? pre : COPYSIGNF(clip, pre);
        if (hasReserve) {
            reserve[row + flagsAt + q] = passed ? 1.0f : 0.0f;
        }
    }
    if (keepPre && hasReserve) {
        reserve[row + presAt + q] = v;
    }
    return v;
}

DEVICE_FN float passed_flag(float clip, GLOBAL const float* reserve, int row, int flagsAt, int q) {
    return clip > 0.0f ? reserve[row + flagsAt + q] : 1.0f;
}

DEVICE_FN float slope_of(int keepPre, int f, float a, float b, GLOBAL const float* reserve, int row, int presAt,
                         int q, float y) {
    return keepPre ? act_slope(f, a, b, reserve[row + presAt + q]) : act_slope_from_output(f, y);
}
