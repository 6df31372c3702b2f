package dev.rnn4j.conformance;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.Layout;
import dev.rnn4j.RnnSpec;
import java.util.ArrayList;
import java.util.List;

/** Every configuration of the conformance suite, for every cell type. Sizes are small and odd on purpose. */
public final class ConformanceCases {
    private ConformanceCases() {
    }

    /** All cases. */
    public static List<ConformanceCase> all() {
        List<ConformanceCase> out = new ArrayList<>();
        Layout seq = Layout.SEQUENCE_MAJOR;
        for (CellType c : CellType.values()) {
            out.add(new ConformanceCase("single layer", spec(c, 5, 7, 1, false, true), 4, 3, null, false, seq));
            out.add(new ConformanceCase("3 stacked layers", spec(c, 4, 6, 3, false, true), 5, 2, null, true, seq));
            out.add(new ConformanceCase("bidirectional", spec(c, 3, 5, 1, true, true), 6, 3, null, false, seq));
            out.add(new ConformanceCase("2-layer bidirectional, unsorted lengths, h0/c0",
                    spec(c, 4, 5, 2, true, true), 6, 4, new int[] {3, 6, 1, 5}, true, seq));
            out.add(new ConformanceCase("variable lengths", spec(c, 3, 4, 1, false, true), 5, 4,
                    new int[] {2, 5, 5, 1}, true, seq));
            out.add(new ConformanceCase("H=1", spec(c, 2, 1, 2, true, true), 3, 2, new int[] {3, 2}, true, seq));
            out.add(new ConformanceCase("H=3", spec(c, 3, 3, 1, false, true), 4, 2, null, true, seq));
            out.add(new ConformanceCase("H=17", spec(c, 9, 17, 1, true, true), 3, 3, new int[] {1, 3, 2}, true, seq));
            out.add(new ConformanceCase("B=1", spec(c, 3, 3, 2, false, true), 5, 1, null, true, seq));
            out.add(new ConformanceCase("T=1", spec(c, 3, 4, 1, true, true), 1, 3, null, true, seq));
            out.add(new ConformanceCase("no bias", spec(c, 3, 4, 2, true, false), 4, 2, new int[] {4, 2}, true, seq));
            out.add(new ConformanceCase("wide: several GEMM panels, H=100", spec(c, 70, 100, 1, true, true), 9, 20,
                    new int[] {9, 3, 9, 1, 5, 9, 9, 2, 8, 9, 4, 9, 9, 6, 9, 7, 9, 9, 1, 9}, true, seq));
            out.add(new ConformanceCase("deep input: I=400 splits the GEMM depth", spec(c, 400, 33, 2, false, true), 5,
                    7, new int[] {5, 2, 5, 4, 1, 5, 3}, true, seq));
            out.add(new ConformanceCase("batch-major", spec(c, 3, 4, 2, true, true), 4, 3, new int[] {2, 4, 3},
                    true, Layout.BATCH_MAJOR));
            // The device backends' fused small-batch step at its largest batch, with H past a multiple of every
            // work-group's units and k spanning its lanes several times over; B=9 just past it, unfused.
            out.add(new ConformanceCase("B=8, H=101, 2 layers bidirectional: fused device step", spec(c, 20, 101, 2,
                    true, true), 4, 8, new int[] {4, 1, 3, 4, 2, 4, 4, 3}, true, seq));
            out.add(new ConformanceCase("B=9, H=37", spec(c, 6, 37, 1, false, true), 3, 9,
                    new int[] {3, 1, 3, 2, 3, 3, 1, 2, 3}, true, seq));
        }
        // LSTM peepholes (ONNX's P): the same shapes that stress the plain LSTM.
        out.add(new ConformanceCase("peepholes", peephole(5, 7, 1, false, true), 4, 3, null, true, seq));
        out.add(new ConformanceCase("peepholes, 2-layer bidirectional, unsorted lengths, h0/c0",
                peephole(4, 5, 2, true, true), 6, 4, new int[] {3, 6, 1, 5}, true, seq));
        out.add(new ConformanceCase("peepholes, no bias, H=17", peephole(9, 17, 1, true, false), 3, 3,
                new int[] {1, 3, 2}, true, seq));
        out.add(new ConformanceCase("peepholes, wide: H=100", peephole(70, 100, 1, true, true), 9, 20,
                new int[] {9, 3, 9, 1, 5, 9, 9, 2, 8, 9, 4, 9, 9, 6, 9, 7, 9, 9, 1, 9}, true, seq));
        // ONNX's clip on every cell (0.3 clamps many pre-activations here), and with the LSTM variants.
        for (CellType c : CellType.values()) {
            out.add(new ConformanceCase("clip 0.3, 2-layer bidirectional, unsorted lengths, h0/c0",
                    new RnnSpec(c, 4, 5, 2, true, true, CellVariant.clipped(0.3f)), 6, 4, new int[] {3, 6, 1, 5}, true,
                    seq));
        }
        out.add(new ConformanceCase("clip 0.5 with peepholes and input_forget, H=17",
                lstm(9, 17, 1, true, new CellVariant(true, true, 0.5f)), 5, 3, new int[] {5, 2, 4}, true, seq));
        // cuDNN's cell clipping of c_t, alone and with peepholes and gate clipping.
        out.add(new ConformanceCase("cell clip 0.3, 2-layer bidirectional, unsorted lengths, h0/c0",
                lstm(4, 5, 2, true, new CellVariant(false, false, 0f, 0.3f)), 6, 4, new int[] {3, 6, 1, 5}, true,
                seq));
        out.add(new ConformanceCase("cell clip 0.3 with peepholes and clip 0.5, H=17",
                lstm(9, 17, 1, false, new CellVariant(true, false, 0.5f, 0.3f)), 5, 3, new int[] {5, 2, 4}, true,
                seq));
        // ONNX's input_forget (f = 1 − i), alone and with peepholes.
        out.add(new ConformanceCase("input_forget, 2-layer bidirectional, unsorted lengths, h0/c0",
                lstm(4, 5, 2, true, new CellVariant(false, true)), 6, 4, new int[] {3, 6, 1, 5}, true, seq));
        out.add(new ConformanceCase("input_forget with peepholes, H=17", lstm(9, 17, 1, false,
                new CellVariant(true, true)), 5, 3, new int[] {5, 2, 4}, true, seq));
        // The original GRU (ONNX linear_before_reset = 0): two GEMMs and a split cell per step.
        for (int[] shape : new int[][] {{5, 7, 1, 0}, {4, 5, 2, 1}, {9, 17, 1, 1}, {70, 100, 1, 1}}) {
            RnnSpec gru = new RnnSpec(CellType.GRU, shape[0], shape[1], shape[2], shape[3] == 1, true,
                    CellVariant.gruOriginal(0f));
            out.add(new ConformanceCase("GRU original form, I=" + shape[0] + " H=" + shape[1] + " L=" + shape[2]
                    + (shape[3] == 1 ? " bidirectional" : "") + ", unsorted lengths, h0", gru, 6, 4,
                    new int[] {3, 6, 1, 5}, true, seq));
        }
        out.add(new ConformanceCase("GRU original form, no bias, batch-major",
                new RnnSpec(CellType.GRU, 3, 4, 2, true, false, CellVariant.gruOriginal(0f)), 4, 3, new int[] {2, 4, 3},
                true, Layout.BATCH_MAJOR));
        out.add(new ConformanceCase("GRU original form, clip 0.3, 2-layer bidirectional, unsorted lengths, h0",
                new RnnSpec(CellType.GRU, 4, 5, 2, true, true, CellVariant.gruOriginal(0.3f)), 6, 4,
                new int[] {3, 6, 1, 5}, true, seq));
        // PyTorch's proj_size: h = W_hr (o ⊙ tanh(c)) of P < H features, carried past each sequence's end.
        for (int[] shape : new int[][] {{5, 7, 3, 1, 0}, {4, 6, 2, 2, 1}, {9, 17, 5, 1, 1}, {70, 100, 33, 1, 1}}) {
            out.add(new ConformanceCase("projection P=" + shape[2] + ", I=" + shape[0] + " H=" + shape[1] + " L="
                    + shape[3] + (shape[4] == 1 ? " bidirectional" : "") + ", unsorted lengths, h0/c0",
                    lstm(shape[0], shape[1], shape[3], shape[4] == 1, CellVariant.projected(shape[2])), 6, 4,
                    new int[] {3, 6, 1, 5}, true, seq));
        }
        out.add(new ConformanceCase("projection P=1, B=1, batch-major", lstm(3, 4, 2, true, CellVariant.projected(1)),
                4, 1, null, true, Layout.BATCH_MAJOR));
        out.add(new ConformanceCase("projection P=3 with peepholes, clip 0.5 and cell clip 0.3, H=17",
                lstm(9, 17, 2, true, new CellVariant(true, false, 0.5f, 0.3f, false, 3)), 5, 3, new int[] {5, 2, 4},
                true, seq));
        // ONNX's activation lists: every function somewhere, the two directions differing; with clip, the original
        // GRU and projection; H=17 and H=100 so vector backends meet them in full vectors and tails.
        Activation hardSigmoid = new Activation(Activation.Function.HARD_SIGMOID, 0.3f, 0.45f);
        Activation scaledTanh = new Activation(Activation.Function.SCALED_TANH, 1.2f, 0.8f);
        Activation affine = new Activation(Activation.Function.AFFINE, 0.9f, 0.1f);
        Activation leaky = new Activation(Activation.Function.LEAKY_RELU, 0.1f, 0);
        Activation elu = new Activation(Activation.Function.ELU, 0.7f, 0);
        Activation thresholded = new Activation(Activation.Function.THRESHOLDED_RELU, 0.05f, 0);
        Activation softsign = Activation.of(Activation.Function.SOFTSIGN);
        Activation softplus = Activation.of(Activation.Function.SOFTPLUS);
        out.add(new ConformanceCase("activations RNN Softsign / Elu, 2-layer bidirectional, unsorted lengths, h0",
                new RnnSpec(CellType.RNN_TANH, 4, 5, 2, true, true, CellVariant.activated(List.of(softsign, elu))), 6,
                4, new int[] {3, 6, 1, 5}, true, seq));
        out.add(new ConformanceCase("activations RNN LeakyRelu, H=17", new RnnSpec(CellType.RNN_RELU, 9, 17, 1, false,
                true, CellVariant.activated(List.of(leaky))), 5, 3, new int[] {5, 2, 4}, true, seq));
        out.add(new ConformanceCase("activations LSTM HardSigmoid ScaledTanh Softplus / Sigmoid Affine Softsign, H=17, "
                + "bidirectional", lstm(9, 17, 1, true, CellVariant.activated(List.of(hardSigmoid, scaledTanh, softplus,
                Activation.SIGMOID, affine, softsign))), 5, 3, new int[] {5, 2, 4}, true, seq));
        out.add(new ConformanceCase("activations LSTM with peepholes, clip 0.8, projection P=5, wide H=100",
                lstm(70, 100, 1, true, new CellVariant(true, false, 0.8f, 0f, false, 5, List.of(Activation.SIGMOID, elu,
                        softsign))), 9, 20, new int[] {9, 3, 9, 1, 5, 9, 9, 2, 8, 9, 4, 9, 9, 6, 9, 7, 9, 9, 1, 9},
                true, seq));
        out.add(new ConformanceCase("activations GRU HardSigmoid ThresholdedRelu / Sigmoid Relu, clip 0.8, H=17, "
                + "bidirectional", new RnnSpec(CellType.GRU, 9, 17, 1, true, true, new CellVariant(false, false, 0.8f,
                0f, false, 0, List.of(hardSigmoid, thresholded, Activation.SIGMOID, Activation.RELU))), 5, 3,
                new int[] {5, 2, 4}, true, seq));
        out.add(new ConformanceCase("activations GRU original form Sigmoid Softplus, 2-layer, unsorted lengths, h0",
                new RnnSpec(CellType.GRU, 4, 5, 2, false, true, new CellVariant(false, false, 0f, 0f, true, 0,
                        List.of(Activation.SIGMOID, softplus))), 6, 4, new int[] {3, 6, 1, 5}, true, seq));
        return out;
    }

    /**
     * Cases for weights held in reduced precision: every cell at batches of one and two rows (where the CPU backend
     * reads compact weights) with input widths past one GEMM depth block and with every tail of two- and four-value
     * words, the variants whose GEMMs read blocks of a weight (the original GRU) or one more weight (projection),
     * and a larger batch that reads float panels.
     */
    public static List<ConformanceCase> reducedPrecision() {
        List<ConformanceCase> out = new ArrayList<>();
        Layout seq = Layout.SEQUENCE_MAJOR;
        for (CellType c : CellType.values()) {
            out.add(new ConformanceCase("B=1, I=1030: two depth blocks, H=37 bidirectional", spec(c, 1030, 37, 1, true,
                    true), 3, 1, null, true, seq));
            out.add(new ConformanceCase("B=2, I=1027, H=21, 2 layers, lengths", spec(c, 1027, 21, 2, false, true), 3, 2,
                    new int[] {1, 3}, true, seq));
            out.add(new ConformanceCase("B=2, I=6, H=50, no bias", spec(c, 6, 50, 1, true, false), 4, 2, null, false,
                    seq));
            out.add(new ConformanceCase("B=5, I=70, H=100 bidirectional", spec(c, 70, 100, 1, true, true), 3, 5,
                    new int[] {3, 1, 2, 3, 3}, true, seq));
        }
        out.add(new ConformanceCase("GRU original form, B=1, I=9 H=38 bidirectional",
                new RnnSpec(CellType.GRU, 9, 38, 1, true, true, CellVariant.gruOriginal(0f)), 4, 1, null, true, seq));
        out.add(new ConformanceCase("projection P=13, B=2, I=9 H=33, 2 layers",
                lstm(9, 33, 2, true, CellVariant.projected(13)), 4, 2, new int[] {4, 2}, true, seq));
        return out;
    }

    private static RnnSpec lstm(int input, int hidden, int layers, boolean bidirectional, CellVariant v) {
        return new RnnSpec(CellType.LSTM, input, hidden, layers, bidirectional, true, v);
    }

    private static RnnSpec peephole(int input, int hidden, int layers, boolean bidirectional, boolean bias) {
        return new RnnSpec(CellType.LSTM, input, hidden, layers, bidirectional, bias, new CellVariant(true, false));
    }

    private static RnnSpec spec(CellType c, int input, int hidden, int layers, boolean bidirectional, boolean bias) {
        return new RnnSpec(c, input, hidden, layers, bidirectional, bias);
    }
}
