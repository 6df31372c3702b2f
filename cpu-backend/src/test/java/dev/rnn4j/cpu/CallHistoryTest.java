package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * On the CPU backend a call's results depend on its inputs alone, to the bit, not on the calls before it (other
 * shapes, an inference pass between training steps, the weights' packed copies being cached or not): repeated
 * predictions agree, and a resumed training run retraces the uninterrupted one.
 */
class CallHistoryTest {
    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 0.5f;
        }
        return v;
    }

    @ParameterizedTest(name = "{0} layers={1} batch={2}")
    @CsvSource({"LSTM,2,1", "LSTM,1,3", "GRU,2,2", "RNN_TANH,1,4", "LSTM,2,12", "GRU,1,5", "LSTM,1,32"})
    void resultsDoNotDependOnEarlierCalls(CellType cell, int layers, int batch) {
        RnnSpec spec = RnnSpec.builder(cell).inputSize(24).hiddenSize(32).layers(layers).build();
        RnnParameters w = RnnParameters.uniform(spec, 3);
        int steps = 4;
        int state = layers * batch * 32;
        RnnInput small = RnnInput.sequenceMajor(random(steps * batch * 24, 1), steps, batch)
                .withInitialState(random(state, 2), cell == CellType.LSTM ? random(state, 3) : null);
        RnnInput other = RnnInput.sequenceMajor(random(7 * 3 * 24, 4), 7, 3);
        OutputGradients upstream = new OutputGradients(random(steps * batch * 32, 5), random(state, 6),
                cell == CellType.LSTM ? random(state, 7) : null);
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer fresh = RecurrentLayer.create(b, spec, w);
             RecurrentLayer used = RecurrentLayer.create(b, spec, w)) {
            RnnOutput first = fresh.forward(small);
            used.forward(other);
            for (int call = 0; call < 3; call++) {
                RnnOutput again = used.forward(small);
                assertArrayEquals(first.output(), again.output(), "output of call " + call);
                assertArrayEquals(first.hN(), again.hN(), "hN of call " + call);
            }
            fresh.forwardTraining(small);
            LayerGradients want = fresh.backward(upstream);
            used.forward(small);
            used.forward(small);
            used.forwardTraining(small);
            LayerGradients got = used.backward(upstream);
            assertArrayEquals(want.inputs().gradInput(), got.inputs().gradInput(), "dX");
            assertArrayEquals(want.inputs().gradH0(), got.inputs().gradH0(), "dh0");
            for (Parameter p : want.weights().parameters()) {
                assertArrayEquals(want.weights().get(p.name()), got.weights().get(p.name()), p.name());
            }
        }
    }
}
