package dev.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.io.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import dev.rnn4j.cuda.CudaBackendProvider;
import dev.rnn4j.opencl.OpenClBackendProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every example trains a few steps on tiny data and its loss falls: on the CPU backend, on OpenCL wherever a
 * device is (PoCL on CI), and on CUDA wherever a GPU is.
 */
class ExamplesTest {
    /** cpu always; opencl where a device is (and always on CI, which installs PoCL); cuda where a GPU is. */
    static Stream<String> backends() {
        boolean opencl = new OpenClBackendProvider().probe().available() || System.getenv("CI") != null;
        boolean cuda = new CudaBackendProvider().probe().available();
        return Stream.of("cpu", opencl ? "opencl" : null, cuda ? "cuda" : null).filter(java.util.Objects::nonNull);
    }

    static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void charRnnLearnsATextSamplesAndCheckpoints(String backend, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(80));
        CharRnnExample ex = parse(new CharRnnExample(), "--text", text.toString(), "--hidden", "48", "--embed", "16",
                "--seq", "24", "--batch", "8", "--steps", "150", "--eval-every", "50", "--sample", "60",
                "--backend", backend, "--out", dir.toString(), "--lr", "0.01");
        CharRnnExample.Outcome o = ex.train(quiet());
        assertTrue(o.result().lastLoss(20) < o.result().firstLoss() / 2, "loss " + o.result().firstLoss() + " -> "
                + o.result().lastLoss(20));
        assertEquals(61, o.sampled().length());
        assertTrue(o.sampled().chars().allMatch(c -> o.vocabulary().contains((char) c)), o.sampled());
        assertTrue(Files.size(dir.resolve("char-rnn.safetensors")) > 0);
        assertTrue(Files.size(dir.resolve("char-rnn-loss.png")) > 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void charRnnLearnsAlongStreamsByTruncatedBptt(String backend, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(80));
        StringWriter log = new StringWriter();
        CharRnnExample ex = parse(new CharRnnExample(), "--text", text.toString(), "--hidden", "48", "--embed", "16",
                "--seq", "24", "--batch", "8", "--steps", "150", "--eval-every", "50", "--sample", "20",
                "--tbptt", "8:24", "--backend", backend, "--out", dir.toString(), "--lr", "0.01");
        CharRnnExample.Outcome o = ex.train(new PrintWriter(log));
        assertTrue(log.toString().contains("truncated BPTT: k1 = 8, k2 = 24 over 8 streams"), log.toString());
        // 150 updates of 8 steps over streams of ~400: several passes, each restarting from zero states.
        assertTrue(o.result().lastLoss(20) < o.result().firstLoss() / 2, "loss " + o.result().firstLoss() + " -> "
                + o.result().lastLoss(20));
        double[] lastValid = o.result().validation().get(o.result().validation().size() - 1);
        assertTrue(lastValid[1] < o.result().firstLoss() / 2, "validation " + lastValid[1]);
    }

    /** A run cut at step 40 and resumed to 60 ends where the uninterrupted run to 60 ends, bit for bit (CPU). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"windows", "8:16"})
    void charRnnResumesAsIfNeverInterrupted(String mode, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(30));
        java.util.function.BiFunction<String, String[], CharRnnExample.Outcome> run = (out, more) -> {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--text", text.toString(),
                    "--hidden", "16", "--embed", "8", "--seq", "16", "--batch", "4", "--eval-every", "20",
                    "--patience", "0", "--dropout", "0.1", "--sample", "5", "--backend", "cpu", "--lr", "0.01",
                    "--out", dir.resolve(out).toString()));
            if (!mode.equals("windows")) {
                args.addAll(java.util.List.of("--tbptt", mode));
            }
            args.addAll(java.util.List.of(more));
            try {
                return parse(new CharRnnExample(), args.toArray(String[]::new)).train(quiet());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        CharRnnExample.Outcome straight = run.apply("straight", new String[] {"--steps", "60"});
        run.apply("cut", new String[] {"--steps", "40"});
        CharRnnExample.Outcome resumed = run.apply("resumed", new String[] {"--steps", "60", "--resume",
                dir.resolve("cut").resolve("char-rnn-latest.safetensors").toString()});
        assertEquals(20, resumed.result().steps());
        double[] tail = java.util.Arrays.copyOfRange(straight.result().trainLoss(), 40, 60);
        assertArrayEquals(tail, resumed.result().trainLoss());
        SafetensorsFile a = SafetensorsFile.read(dir.resolve("straight").resolve("char-rnn.safetensors"));
        SafetensorsFile b = SafetensorsFile.read(dir.resolve("resumed").resolve("char-rnn.safetensors"));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.floats(name), b.floats(name), name);
        }
        assertEquals(a.metadata().get("train.step"), b.metadata().get("train.step"));
        assertEquals("60", SafetensorsFile.read(dir.resolve("resumed").resolve("char-rnn-latest.safetensors"))
                .metadata().get("train.step"));
    }

    @Test
    void versionNamesTheBuildAndItsCommit() {
        StringWriter out = new StringWriter();
        int status = Examples.execute(new String[] {"--version"}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertEquals(0, status);
        assertEquals("rnn4j-examples " + dev.rnn4j.BuildInfo.version() + " (commit " + dev.rnn4j.BuildInfo.commit()
                + ")", out.toString().strip());
    }

    @Test
    void theLatestCheckpointSitsBesideTheBest() {
        assertEquals(Path.of("out", "char-rnn-latest.safetensors"),
                TrainingRun.latest(Path.of("out", "char-rnn.safetensors")));
        assertEquals(Path.of("model-latest"), TrainingRun.latest(Path.of("model")));
    }

    @Test
    void charRnnRefusesToResumeInTheOtherMode(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "abcabcabd ".repeat(40));
        String[] small = {"--text", text.toString(), "--hidden", "8", "--embed", "4", "--seq", "8", "--batch", "2",
                "--steps", "4", "--eval-every", "2", "--patience", "0", "--sample", "1", "--backend", "cpu", "--out",
                dir.toString()};
        parse(new CharRnnExample(), small).train(quiet());
        String[] cli = Stream.of(new String[] {"char-rnn"}, small, new String[] {"--tbptt", "2:4", "--resume",
                dir.resolve("char-rnn.safetensors").toString()}).flatMap(Stream::of).toArray(String[]::new);
        StringWriter err = new StringWriter();
        assertEquals(1, Examples.execute(cli, quiet(), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("was written by a run on random windows; resume it without --tbptt"),
                err.toString());
    }

    @Test
    void charRnnRejectsBadTbpttStrides(@TempDir Path dir) {
        for (String bad : new String[] {"8", "0:4", "9:8", "a:b", "8:24:2"}) {
            StringWriter err = new StringWriter();
            int status = Examples.execute(new String[] {"char-rnn", "--tbptt", bad, "--out", dir.toString()},
                    quiet(), new PrintWriter(err, true));
            assertEquals(1, status, bad);
            assertTrue(err.toString().contains("--tbptt takes K1:K2"), bad + ": " + err);
        }
    }

    @Test
    void charRnnSaysWhenItHasNoText(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int status = Examples.execute(new String[] {"char-rnn", "--text", dir.resolve("none.txt").toString()},
                quiet(), new PrintWriter(err, true));
        assertEquals(1, status);
        assertTrue(err.toString().contains("no text at") && err.toString().contains("pass --text FILE"), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void classificationLearnsTheMajority(String backend, @TempDir Path dir) {
        ClassificationExample.Outcome o = parse(new ClassificationExample(), "--task", "majority", "--length", "7",
                "--hidden", "24", "--steps", "250", "--backend", backend, "--out", dir.toString()).run(quiet());
        assertTrue(o.result().lastLoss(20) < o.result().firstLoss() / 2, "loss " + o.result().lastLoss(20));
        assertTrue(o.accuracy() > 0.85, "accuracy " + o.accuracy());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void taggingWithABidirectionalLstmLearnsPeaks(String backend, @TempDir Path dir) {
        TrainingRun.Result r = parse(new TaggingExample(), "--steps", "250", "--hidden", "24", "--length", "12",
                "--backend", backend, "--out", dir.toString()).run(quiet());
        assertTrue(r.lastLoss(20) < r.firstLoss() / 3, "loss " + r.firstLoss() + " -> " + r.lastLoss(20));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void generationFromASeedVector(String backend, @TempDir Path dir) {
        TrainingRun.Result r = parse(new GenerationExample(), "--steps", "300", "--hidden", "32", "--length", "16",
                "--backend", backend, "--out", dir.toString()).run(quiet());
        assertTrue(r.lastLoss(20) < r.firstLoss() / 3, "loss " + r.firstLoss() + " -> " + r.lastLoss(20));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sequenceToSequenceReversesDigits(String backend, @TempDir Path dir) {
        Seq2SeqExample.Outcome o = parse(new Seq2SeqExample(), "--length", "4", "--hidden", "48", "--steps", "400",
                "--backend", backend, "--out", dir.toString()).run(quiet());
        assertTrue(o.lastLoss() < o.firstLoss() / 4, "loss " + o.firstLoss() + " -> " + o.lastLoss());
        assertTrue(o.accuracy() > 0.5, "accuracy " + o.accuracy());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void forecastingBeatsTheNaiveForecast(String backend, @TempDir Path dir) {
        ForecastExample.Outcome o = parse(new ForecastExample(), "--steps", "300", "--window", "24", "--backend", backend,
                "--out", dir.toString()).run(quiet());
        assertTrue(o.result().lastLoss(20) < o.result().firstLoss() / 2, "loss " + o.result().lastLoss(20));
        assertTrue(o.validMse() < o.naiveMse(), "validation MSE " + o.validMse() + " vs naive " + o.naiveMse());
    }

    /**
     * The long-dependency demonstration at T = 40 instead of 100: the LSTM solves it, the vanilla RNN does not.
     * 3000 steps on the CPU; 1200 on OpenCL, where PoCL takes 17 s for them (the LSTM is solved by then: MSE 0.001).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void theAddingProblemSeparatesAnLstmFromAVanillaRnn(String backend, @TempDir Path dir) {
        String steps = backend.equals("cpu") ? "3000" : "1200";
        Map<CellType, Double> mse = parse(new AddingExample(), "--length", "40", "--hidden", "32", "--steps", steps,
                "--cells", "RNN_TANH,LSTM", "--backend", backend, "--out", dir.toString()).run(quiet());
        assertTrue(mse.get(CellType.LSTM) < AddingExample.BASELINE / 4, "LSTM " + mse);
        assertTrue(mse.get(CellType.RNN_TANH) > AddingExample.BASELINE / 2, "vanilla RNN " + mse);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sensorsStreamIntoOneSessionAndMatchTheirWholeSeries(String backend) throws Exception {
        SensorStreamsExample ex = parse(new SensorStreamsExample(), "--sensors", "40", "--ticks", "12", "--hidden",
                "16", "--backend", backend);
        StringWriter text = new StringWriter();
        SensorStreamsExample.Outcome o = ex.run(new PrintWriter(text, true));
        assertTrue(o.largestDifference() <= 1e-4, text.toString());
        assertTrue(o.stats().meanBatch() > 1, "the sensors' steps share batches: " + o.stats());
        assertEquals(40L * 12, o.stats().streamSteps());
        assertTrue(text.toString().contains("steps/s"), text.toString());
    }
}
