package dev.rnn4j.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: how fast one thread reads a float array with the Vector API, by size, so from L1, L2 or L3: the floor of a
 * small batch's recurrent step, which reads all of W_hh ({@code 4·G·H·S} bytes) for a few multiply-adds per weight.
 * Eight independent sums of whole vectors, nothing else: bytes per call over the reported time is the read rate,
 * and a step of batch 1 can read W_hh no faster on one core (on n cores each reads its 1/n of it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class WeightStreamBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent sums, so that the adds' latency never binds the loads. */
    private static final int SUMS = 8;

    /** Size of the array in KiB: 16 stays in L1, 256-1024 in L2 (W_hh of H = 256 is 1 MiB), 16384 in L3. */
    @Param({"16", "512", "1024", "16384"})
    public int kib;

    private float[] values;

    @Setup
    public void setUp() {
        values = new float[kib * 256];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 7;
        }
    }

    @Benchmark
    public float read() {
        float[] a = values;
        int step = SUMS * S.length();
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector s4 = s0;
        FloatVector s5 = s0;
        FloatVector s6 = s0;
        FloatVector s7 = s0;
        int v = S.length();
        for (int i = 0; i + step <= a.length; i += step) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, a, i + v));
            s2 = s2.add(FloatVector.fromArray(S, a, i + 2 * v));
            s3 = s3.add(FloatVector.fromArray(S, a, i + 3 * v));
            s4 = s4.add(FloatVector.fromArray(S, a, i + 4 * v));
            s5 = s5.add(FloatVector.fromArray(S, a, i + 5 * v));
            s6 = s6.add(FloatVector.fromArray(S, a, i + 6 * v));
            s7 = s7.add(FloatVector.fromArray(S, a, i + 7 * v));
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).reduceLanes(VectorOperators.ADD);
    }
}
