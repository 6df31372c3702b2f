package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * JMH: one fused cell step (forward with the reserve kept, as in training, and backward) for the whole batch,
 * through a backend's {@link Primitives}: what every step of the recurrence pays besides its GEMM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CellBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"LSTM", "GRU", "RNN_TANH"})
    public String cell;

    @Param({"1", "32"})
    public int batch;

    @Param({"512"})
    public int hidden;

    private Backend opened;
    private Primitives ops;
    private CellType type;
    private final StepArgs step = new StepArgs();
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final float[] sink = new float[1];
    private DeviceBuffer dcInitial;

    @Setup
    public void setUp() {
        opened = Backends.open(backend);
        ops = opened.primitives();
        type = CellType.parse(cell);
        int gh = type.gates() * hidden;
        Random r = new Random(0);
        step.config = StepConfig.of(new RnnSpec(type, hidden, hidden, 1, false, true), 0);
        step.batch = batch;
        step.lengths = opened.allocateInts(batch);
        buffers.add(step.lengths);
        int[] lengths = new int[batch];
        Arrays.fill(lengths, 1);
        opened.uploadInts(lengths, 0, step.lengths, 0, batch);
        step.gx = filled(r, (long) batch * gh);
        step.gh = filled(r, (long) batch * gh);
        step.bhh = filled(r, gh);
        step.hPrev = step.hNext = filled(r, 2L * batch * hidden);
        if (type == CellType.LSTM) {
            step.c = filled(r, 2L * batch * hidden);
        }
        int reserve = step.config.reserveWidth();
        step.reserve = reserve == 0 ? null : filled(r, (long) batch * reserve);
        step.dy = filled(r, (long) batch * hidden);
        step.dh = filled(r, (long) batch * hidden);
        step.dc = filled(r, (long) batch * hidden);
        dcInitial = filled(r, (long) batch * hidden);
        step.dhPrev = filled(r, (long) batch * hidden);
        step.dGatesX = filled(r, (long) batch * gh);
        step.dGatesH = type == CellType.GRU ? filled(r, (long) batch * gh) : step.dGatesX;
        step.forwardStep(0);
        ops.cellForward(type, step);
    }

    private DeviceBuffer filled(Random r, long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.5);
        }
        DeviceBuffer b = opened.allocate(n);
        opened.upload(v, 0, b, 0, v.length);
        buffers.add(b);
        return b;
    }

    @Benchmark
    public void forward() {
        step.forwardStep(0);
        ops.cellForward(type, step);
        opened.download(step.hNext, step.hNextOffset(), sink, 0, 1);
    }

    @Benchmark
    public void backward() {
        // Backward scales dc in place; restoring it keeps every call on normal (not ever smaller, subnormal) values.
        ops.copy(dcInitial, 0, step.dc, 0, (long) batch * hidden);
        step.backwardStep(0);
        ops.cellBackward(type, step);
        opened.download(step.dhPrev, 0, sink, 0, 1);
    }

    @TearDown
    public void tearDown() {
        buffers.forEach(DeviceBuffer::close);
        opened.close();
    }
}
