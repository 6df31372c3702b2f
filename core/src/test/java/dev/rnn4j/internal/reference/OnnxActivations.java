package dev.rnn4j.internal.reference;

import dev.rnn4j.Activation.Function;
import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnSpec;
import java.util.List;

/**
 * Specs with ONNX activation lists that between them use every function, for the finite-difference checks: none
 * is the cell's own, the two directions differ, and clip, the original GRU and projection each meet one.
 */
record OnnxActivations(String name, RnnSpec spec) {
    static Activation a(Function f, float alpha, float beta) {
        return new Activation(f, alpha, beta);
    }

    static Activation a(Function f) {
        return Activation.of(f);
    }

    static List<OnnxActivations> all() {
        return List.of(
                new OnnxActivations("RNN activations Softsign / Elu(0.7), bidirectional, lengths, h0",
                        new RnnSpec(CellType.RNN_TANH, 3, 4, 1, true, true, CellVariant.activated(List.of(
                                a(Function.SOFTSIGN), a(Function.ELU, 0.7f, 0))))),
                new OnnxActivations("RNN activation LeakyRelu(0.1), stacked",
                        new RnnSpec(CellType.RNN_RELU, 3, 4, 2, false, true, CellVariant.activated(List.of(
                                a(Function.LEAKY_RELU, 0.1f, 0))))),
                new OnnxActivations("LSTM activations HardSigmoid(0.3,0.4) ScaledTanh(1.2,0.8) Softplus / Sigmoid "
                        + "Affine(0.9,0.1) Softsign, 2-layer bidirectional", new RnnSpec(CellType.LSTM, 3, 4, 2, true,
                        true, CellVariant.activated(List.of(a(Function.HARD_SIGMOID, 0.3f, 0.4f),
                        a(Function.SCALED_TANH, 1.2f, 0.8f), a(Function.SOFTPLUS), a(Function.SIGMOID),
                        a(Function.AFFINE, 0.9f, 0.1f), a(Function.SOFTSIGN))))),
                new OnnxActivations("LSTM activations with peepholes, projection P=2 and clip 0.8",
                        new RnnSpec(CellType.LSTM, 3, 4, 1, false, true, new CellVariant(true, false, 0.8f, 0f, false,
                                2, List.of(a(Function.SIGMOID), a(Function.ELU, 0.5f, 0), a(Function.SOFTSIGN))))),
                new OnnxActivations("GRU activations HardSigmoid ThresholdedRelu(0.05) / Sigmoid Relu, clip 0.8, "
                        + "bidirectional", new RnnSpec(CellType.GRU, 3, 4, 1, true, true, new CellVariant(false, false,
                        0.8f, 0f, false, 0, List.of(a(Function.HARD_SIGMOID), a(Function.THRESHOLDED_RELU, 0.05f, 0),
                        a(Function.SIGMOID), a(Function.RELU))))),
                new OnnxActivations("GRU original form, activations Sigmoid Softplus, stacked",
                        new RnnSpec(CellType.GRU, 3, 4, 2, false, true, new CellVariant(false, false, 0f, 0f, true, 0,
                                List.of(a(Function.SIGMOID), a(Function.SOFTPLUS))))));
    }
}
