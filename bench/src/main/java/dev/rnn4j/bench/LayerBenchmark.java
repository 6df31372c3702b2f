package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: whole recurrent layers, the CPU targets' rows in the peer script's syntax {@code CELL:I:H:B:T[:LAYERS[:BIDIR]]}.
 * {@code inference} is {@link RecurrentLayer#forward}; {@code training} is forward, backward-data and
 * backward-weights of {@code output.sum()}, as PyTorch's side is timed in the comparisons.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LayerBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"LSTM:256:256:1:100", "LSTM:512:512:32:50", "LSTM:1024:1024:64:25", "GRU:512:512:32:50",
            "RNN_TANH:1024:1024:32:50", "LSTM:256:256:32:50", "LSTM:512:512:64:25", "LSTM:256:256:32:50:2:1"})
    public String row;

    private Backend opened;
    private RecurrentLayer layer;
    private RnnInput input;
    private OutputGradients upstream;

    @Setup
    public void setUp() {
        BenchRow r = BenchRow.parse("train:" + row);
        opened = Backends.open(backend);
        layer = RecurrentLayer.create(opened, r.spec(), RnnParameters.uniform(r.spec(), 0));
        Random random = new Random(0);
        float[] x = new float[r.steps() * r.batch() * r.spec().inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        input = RnnInput.sequenceMajor(x, r.steps(), r.batch());
        float[] ones = new float[r.steps() * r.batch() * r.spec().outputSize()];
        Arrays.fill(ones, 1f);
        upstream = new OutputGradients(ones, null, null);
    }

    @Benchmark
    public RnnOutput inference() {
        return layer.forward(input);
    }

    @Benchmark
    public void training() {
        layer.forwardTraining(input);
        layer.backwardData(upstream);
        layer.backwardWeights(false);
    }

    @TearDown
    public void tearDown() {
        layer.close();
        opened.close();
    }
}
