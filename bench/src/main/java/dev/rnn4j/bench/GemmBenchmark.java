package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
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
 * JMH: one SGEMM call through a backend's {@link dev.rnn4j.spi.Primitives}, on the CPU targets' shapes (1024³ and the
 * recurrent GEMM {@code [B×H]·[H×4H]}), with B rewritten before each call ({@code keepB=false}, as a BLAS packs it
 * every time) or left alone ({@code keepB=true}, as a weight matrix is over a sequence). Shapes are
 * {@code M:N:K[:TA:TB]} as in {@code rnn4j bench --rows gemm:...}; compare with {@code bench/peer/torch_mm_bench.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1024:1024:1024", "1:1024:256:N:T", "32:1024:256:N:T", "64:1024:256:N:T", "1:2048:512:N:T",
            "32:2048:512:N:T", "64:2048:512:N:T", "1:4096:1024:N:T", "32:4096:1024:N:T", "64:4096:1024:N:T"})
    public String shape;

    @Param({"false", "true"})
    public boolean keepB;

    private Backend opened;
    private GemmRow.Bound call;

    @Setup
    public void setUp() {
        opened = Backends.open(backend);
        call = GemmRow.parse("gemm:" + shape).bind(opened, keepB);
    }

    @Benchmark
    public void gemm() {
        call.run();
    }

    @TearDown
    public void tearDown() {
        call.close();
        opened.close();
    }
}
