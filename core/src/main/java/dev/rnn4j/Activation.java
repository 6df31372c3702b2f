package dev.rnn4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One of the activation functions ONNX's RNN, LSTM and GRU operators accept in their {@code activations} attribute,
 * with its {@code alpha} and {@code beta} (ignored by the functions that take none). Values and derivatives are
 * computed in double; the backends' float kernels follow the same formulas.
 *
 * <p>Defaults for an omitted alpha or beta are those of the ONNX operator of the same name, as the RNN operators'
 * specification says: LeakyRelu α = 0.01, ThresholdedRelu α = 1, HardSigmoid α = 0.2 and β = 0.5, Elu α = 1, and
 * Affine α = 1, β = 0 (its former experimental operator). ScaledTanh has no operator and no default: it needs both.
 * (ONNX Runtime substitutes 0 where no default is listed, which makes Affine a constant and ThresholdedRelu's
 * threshold 0; a model relying on that should give its alphas and betas explicitly.)
 *
 * @param function the function
 * @param alpha    its α, or 0 when it takes none
 * @param beta     its β, or 0 when it takes none
 */
public record Activation(Function function, float alpha, float beta) {

    /** The functions, with ONNX's names and which of α, β each takes. */
    public enum Function {
        RELU("Relu", false, false, 0, 0),
        TANH("Tanh", false, false, 0, 0),
        SIGMOID("Sigmoid", false, false, 0, 0),
        AFFINE("Affine", true, true, 1f, 0f),
        LEAKY_RELU("LeakyRelu", true, false, 0.01f, 0),
        THRESHOLDED_RELU("ThresholdedRelu", true, false, 1f, 0),
        SCALED_TANH("ScaledTanh", true, true, Float.NaN, Float.NaN),
        HARD_SIGMOID("HardSigmoid", true, true, 0.2f, 0.5f),
        ELU("Elu", true, false, 1f, 0),
        SOFTSIGN("Softsign", false, false, 0, 0),
        SOFTPLUS("Softplus", false, false, 0, 0);

        private final String onnxName;
        private final boolean takesAlpha;
        private final boolean takesBeta;
        private final float defaultAlpha;
        private final float defaultBeta;

        Function(String onnxName, boolean takesAlpha, boolean takesBeta, float defaultAlpha, float defaultBeta) {
            this.onnxName = onnxName;
            this.takesAlpha = takesAlpha;
            this.takesBeta = takesBeta;
            this.defaultAlpha = defaultAlpha;
            this.defaultBeta = defaultBeta;
        }

        /** The name in ONNX's {@code activations} attribute. */
        public String onnxName() {
            return onnxName;
        }

        /** Whether the function reads α. */
        public boolean takesAlpha() {
            return takesAlpha;
        }

        /** Whether the function reads β. */
        public boolean takesBeta() {
            return takesBeta;
        }

        /** The function of an ONNX name, case-insensitively as ONNX Runtime reads it. */
        public static Function ofOnnxName(String name) {
            for (Function f : values()) {
                if (f.onnxName.equalsIgnoreCase(name.trim())) {
                    return f;
                }
            }
            StringBuilder names = new StringBuilder();
            for (Function f : values()) {
                names.append(names.length() == 0 ? "" : ", ").append(f.onnxName);
            }
            throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of " + names);
        }
    }

    public static final Activation RELU = new Activation(Function.RELU, 0, 0);
    public static final Activation TANH = new Activation(Function.TANH, 0, 0);
    public static final Activation SIGMOID = new Activation(Function.SIGMOID, 0, 0);

    /** Checks that α and β are finite where the function reads them, and zero where it does not. */
    public Activation {
        if (function == null) {
            throw new IllegalArgumentException("activation function must not be null");
        }
        if (function.takesAlpha ? !Float.isFinite(alpha) : alpha != 0) {
            throw new IllegalArgumentException(function.onnxName + (function.takesAlpha
                    ? " needs a finite alpha, got " + alpha : " takes no alpha, got " + alpha));
        }
        if (function.takesBeta ? !Float.isFinite(beta) : beta != 0) {
            throw new IllegalArgumentException(function.onnxName + (function.takesBeta
                    ? " needs a finite beta, got " + beta : " takes no beta, got " + beta));
        }
    }

    /** A function that takes no parameters, or one with its ONNX defaults (ScaledTanh has none). */
    public static Activation of(Function function) {
        if (function == Function.SCALED_TANH) {
            throw new IllegalArgumentException("ScaledTanh has no default alpha and beta; give both");
        }
        return new Activation(function, function.takesAlpha ? function.defaultAlpha : 0,
                function.takesBeta ? function.defaultBeta : 0);
    }

    /** f(x). */
    public double apply(double x) {
        return switch (function) {
            case RELU -> Math.max(0, x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case AFFINE -> alpha * x + beta;
            case LEAKY_RELU -> x >= 0 ? x : alpha * x;
            case THRESHOLDED_RELU -> x > alpha ? x : 0;
            case SCALED_TANH -> alpha * Math.tanh(beta * x);
            case HARD_SIGMOID -> Math.max(0, Math.min(1, alpha * x + beta));
            case ELU -> x >= 0 ? x : alpha * (Math.exp(x) - 1);
            case SOFTSIGN -> x / (1 + Math.abs(x));
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))); // log(1 + e^x) without overflow
        };
    }

    /** f'(x); at a kink, the derivative from the side the function's definition puts the kink point on. */
    public double derivative(double x) {
        return switch (function) {
            case RELU -> x > 0 ? 1 : 0;
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case SIGMOID, SOFTPLUS -> {
                double s = 1 / (1 + Math.exp(-x));
                yield function == Function.SIGMOID ? s * (1 - s) : s;
            }
            case AFFINE -> alpha;
            case LEAKY_RELU -> x >= 0 ? 1 : alpha;
            case THRESHOLDED_RELU -> x > alpha ? 1 : 0;
            case SCALED_TANH -> {
                double t = Math.tanh(beta * x);
                yield alpha * beta * (1 - t * t);
            }
            case HARD_SIGMOID -> {
                double v = alpha * x + beta;
                yield v > 0 && v < 1 ? alpha : 0;
            }
            case ELU -> x >= 0 ? 1 : alpha * Math.exp(x);
            case SOFTSIGN -> {
                double d = 1 + Math.abs(x);
                yield 1 / (d * d);
            }
        };
    }

    /** f(x) in float arithmetic, as the CPU kernels compute it. */
    public float apply(float x) {
        return (float) apply((double) x);
    }

    /** f'(x) in float, as the CPU kernels compute it. */
    public float derivative(float x) {
        return (float) derivative((double) x);
    }

    /**
     * The cell's own activations, in ONNX's slot order: RNN f; LSTM f (the i, o and f gates), g (the cell input),
     * h (the output); GRU f (the z and r gates), g (the candidate n).
     */
    public static List<Activation> defaults(CellType cell) {
        return switch (cell) {
            case RNN_TANH -> List.of(TANH);
            case RNN_RELU -> List.of(RELU);
            case LSTM -> List.of(SIGMOID, TANH, TANH);
            case GRU -> List.of(SIGMOID, TANH);
        };
    }

    /** Activation slots of a cell per direction: RNN 1, LSTM 3, GRU 2. */
    public static int slots(CellType cell) {
        return defaults(cell).size();
    }

    /**
     * Reads ONNX's attributes: {@code names} (the {@code activations} list), {@code alphas} and {@code betas}
     * ({@code activation_alpha}, {@code activation_beta}, either may be null), consumed in order by the functions
     * that take them, omitted trailing values taking their defaults.
     *
     * @throws IllegalArgumentException for an unknown name, a ScaledTanh without both values, or values left over
     */
    public static List<Activation> fromOnnx(List<String> names, float[] alphas, float[] betas) {
        List<Activation> out = new ArrayList<>();
        int a = 0;
        int b = 0;
        int nAlpha = alphas == null ? 0 : alphas.length;
        int nBeta = betas == null ? 0 : betas.length;
        for (String name : names) {
            Function f = Function.ofOnnxName(name);
            float alpha = 0;
            float beta = 0;
            if (f.takesAlpha) {
                alpha = a < nAlpha ? alphas[a++] : f.defaultAlpha;
            }
            if (f.takesBeta) {
                beta = b < nBeta ? betas[b++] : f.defaultBeta;
            }
            if (Float.isNaN(alpha) || Float.isNaN(beta)) {
                throw new IllegalArgumentException(f.onnxName + " has no default alpha and beta; "
                        + "activation_alpha and activation_beta must give them");
            }
            out.add(new Activation(f, alpha, beta));
        }
        if (a < nAlpha || b < nBeta) {
            throw new IllegalArgumentException("activation_alpha has " + nAlpha + " and activation_beta " + nBeta
                    + " values, but the activations " + names + " take only " + a + " and " + b);
        }
        return out;
    }

    /** The {@code activations} attribute of {@code list}: ONNX's names. */
    public static List<String> onnxNames(List<Activation> list) {
        List<String> out = new ArrayList<>();
        for (Activation x : list) {
            out.add(x.function.onnxName);
        }
        return out;
    }

    /** The {@code activation_alpha} attribute of {@code list}: the α of each function that takes one, in order. */
    public static float[] onnxAlphas(List<Activation> list) {
        return parameters(list, true);
    }

    /** The {@code activation_beta} attribute of {@code list}: the β of each function that takes one, in order. */
    public static float[] onnxBetas(List<Activation> list) {
        return parameters(list, false);
    }

    private static float[] parameters(List<Activation> list, boolean alphas) {
        float[] out = new float[list.size()];
        int n = 0;
        for (Activation x : list) {
            if (alphas ? x.function.takesAlpha : x.function.takesBeta) {
                out[n++] = alphas ? x.alpha : x.beta;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public String toString() {
        String s = function.onnxName;
        if (function.takesAlpha || function.takesBeta) {
            s += "(" + (function.takesAlpha ? fmt(alpha) : "") + (function.takesAlpha && function.takesBeta ? "," : "")
                    + (function.takesBeta ? fmt(beta) : "") + ")";
        }
        return s;
    }

    private static String fmt(float v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
