package dev.rnn4j.train;

import dev.rnn4j.CellType;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.Parameter;
import dev.rnn4j.RnnParameters;
import java.util.Random;

/**
 * Weight initialisations, host-side and seeded so runs repeat: PyTorch's uniform ±1/√fan default, Xavier/Glorot
 * uniform, orthogonal recurrent matrices (per gate block), the LSTM forget-gate bias of 1, normal embeddings.
 */
public final class Initializers {
    private Initializers() {
    }

    /** Uniform in [−bound, bound]. */
    public static float[] uniform(int n, double bound, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    /** Normal with standard deviation {@code std} (PyTorch's nn.Embedding uses 1). */
    public static float[] normal(int n, double std, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    /** Xavier/Glorot uniform for a {@code [rows, cols]} matrix: bound √(6 / (rows + cols)). */
    public static float[] xavierUniform(int rows, int cols, Random random) {
        return uniform(rows * cols, Math.sqrt(6.0 / (rows + cols)), random);
    }

    /**
     * An orthogonal {@code [rows, cols]} matrix (rows ≤ cols: orthonormal rows; else orthonormal columns), by
     * Gram-Schmidt on a Gaussian matrix, in double.
     */
    public static float[] orthogonal(int rows, int cols, Random random) {
        boolean transpose = rows > cols;
        int r = transpose ? cols : rows;
        int c = transpose ? rows : cols;
        double[][] m = new double[r][c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                m[i][j] = random.nextGaussian();
            }
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < c; j++) {
                    dot += m[i][j] * m[k][j];
                }
                for (int j = 0; j < c; j++) {
                    m[i][j] -= dot * m[k][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < c; j++) {
                norm += m[i][j] * m[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < c; j++) {
                m[i][j] /= norm;
            }
        }
        float[] out = new float[rows * cols];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[transpose ? j * cols + i : i * cols + j] = (float) m[i][j];
            }
        }
        return out;
    }

    /**
     * The recurrent layers' weights as many recipes use: PyTorch's uniform default, then each W_hh gate block
     * orthogonal, and for LSTMs the forget-gate bias {@code b_ih} set to 1 ({@code b_hh}'s forget block to 0).
     */
    public static RnnParameters recurrent(dev.rnn4j.RnnSpec spec, long seed, boolean orthogonalRecurrent,
                                          boolean forgetBiasOne) {
        RnnParameters p = RnnParameters.uniform(spec, seed);
        Random random = new Random(seed ^ 0x5DEECE66DL);
        int H = spec.hiddenSize();
        for (Parameter t : p.parameters()) {
            if (orthogonalRecurrent && t.kind() == ParameterKind.WEIGHT_HH) {
                float[] w = p.get(t.name());
                int cols = t.cols();
                for (int g = 0; g < spec.cell().gates(); g++) {
                    System.arraycopy(orthogonal(H, cols, random), 0, w, g * H * cols, H * cols);
                }
            }
            if (forgetBiasOne && spec.cell() == CellType.LSTM && t.kind().isBias()) {
                float[] b = p.get(t.name());
                java.util.Arrays.fill(b, H, 2 * H, t.kind() == ParameterKind.BIAS_IH ? 1f : 0f);
            }
        }
        return p;
    }
}
