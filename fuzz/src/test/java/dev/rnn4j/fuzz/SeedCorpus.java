package dev.rnn4j.fuzz;

import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.TruncatedBptt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the committed seed corpus under {@code src/test/resources}: valid inputs of every reader (so the fuzzer
 * starts from the formats' shapes rather than from nothing) and a few known-hostile ones. Rerun it from the module
 * directory after a format changes ({@code java -cp "$(cat target/test-classpath.txt)" dev.rnn4j.fuzz.SeedCorpus}
 * with the classpath from {@code mvn dependency:build-classpath}); findings stay as they are.
 */
public final class SeedCorpus {
    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        Path models = dir(root, "dev/rnn4j/fuzz/ModelFileFuzzTestInputs/modelFile");
        RnnSpec lstm = new RnnSpec(CellType.LSTM, 3, 4, 1, false, true);
        RnnSpec gru = new RnnSpec(CellType.GRU, 2, 3, 2, true, true);
        RnnSpec tanh = new RnnSpec(CellType.RNN_TANH, 1, 2, 1, false, false);
        RnnSpec peepholes = new RnnSpec(CellType.LSTM, 2, 2, 1, true, true, new CellVariant(true, false));
        RnnModelFile.save(models.resolve("lstm"), RnnParameters.uniform(lstm, 1), false);
        RnnModelFile.save(models.resolve("gru_bidirectional_2_layers"), RnnParameters.uniform(gru, 2), true);
        RnnModelFile.save(models.resolve("rnn_tanh_no_bias"), RnnParameters.uniform(tanh, 3), false);
        RnnModelFile.save(models.resolve("lstm_peepholes"), RnnParameters.uniform(peepholes, 4), false);
        RnnParameters small = RnnParameters.uniform(lstm, 5);
        SafetensorsWriter hostile = new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "3")
                .metadata("hidden_size", "4").metadata("num_layers", "1000000000");
        small.parameters().forEach(p -> hostile.addF32(p.name(), small.get(p.name()), p.shape()));
        hostile.write(models.resolve("billion_layers"));

        Path npz = dir(root, "dev/rnn4j/fuzz/NpzFuzzTestInputs/npz");
        RnnSpec npzLstm = new RnnSpec(CellType.LSTM, 5, 7, 2, true, true);
        RnnModelFile.saveNpz(npz.resolve("lstm_under_prefix"), RnnParameters.uniform(npzLstm, 6), "lstm.");
        RnnModelFile.saveNpz(npz.resolve("other_prefix"), RnnParameters.uniform(lstm, 7), "encoder.");

        Path inputs = dir(root, "dev/rnn4j/fuzz/RunInputsFuzzTestInputs/runInputs");
        // A FuzzedDataProvider takes its numbers from the end: the spec index last, the batch-first flag before it.
        int steps = 2;
        int batch = 2;
        byte[] lstmInputs = new SafetensorsWriter()
                .addF32("input", ramp(steps * batch * 3), steps, batch, 3)
                .addI64("lengths", new int[] {2, 1}, batch)
                .addF32("h0", ramp(batch * 4), 1, batch, 4)
                .addF32("c0", ramp(batch * 4), 1, batch, 4)
                .addF32("grad_output", ramp(steps * batch * 4), steps, batch, 4)
                .toBytes();
        Files.write(inputs.resolve("lstm_sequence_major"), concat(lstmInputs, new byte[] {0, 0}));
        byte[] gruInputs = new SafetensorsWriter()
                .addF32("input", ramp(batch * steps * 2), batch, steps, 2)
                .addF32("h0", ramp(4 * batch * 3), 4, batch, 3)
                .toBytes();
        Files.write(inputs.resolve("gru_batch_first"), concat(gruInputs, new byte[] {1, 1}));

        Path checkpoints = dir(root, "dev/rnn4j/fuzz/CheckpointFuzzTestInputs/checkpoint");
        Checkpoint.save(checkpoints.resolve("adam"), CheckpointFuzzTest.model(), CheckpointFuzzTest.optimizer(), 12,
                Map.of("note", "seed"));
        TruncatedBptt.Progress progress = new TruncatedBptt.Progress(3, 5, 6, 2, 0x1234abcdL, ramp(2 * 2 * 4),
                ramp(2 * 2 * 4));
        Checkpoint.save(checkpoints.resolve("adam_with_stream_progress"), CheckpointFuzzTest.model(),
                CheckpointFuzzTest.optimizer(), 40, Map.of(), progress);

        Path rows = dir(root, "dev/rnn4j/bench/BenchArgumentsFuzzTestInputs/benchArguments");
        Files.writeString(rows.resolve("layer_rows"), "train:LSTM:256:256:32:50:2:1,infer:GRU:512:512:32:50",
                StandardCharsets.UTF_8);
        Files.writeString(rows.resolve("gemm_rows"), "gemm:64:1024:1024,gemm:8:16:32:T:N", StandardCharsets.UTF_8);
        Files.writeString(rows.resolve("suite"), "deepbench-train", StandardCharsets.UTF_8);

        Path onnx = dir(root, "dev/rnn4j/fuzz/OnnxModelFuzzTestInputs/onnxModel");
        Path fixtures = Path.of(args.length > 1 ? args[1] : "../onnx/src/test/resources/dev/rnn4j/onnx");
        try (var files = Files.list(fixtures)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".onnx"))::iterator) {
                Files.copy(f, onnx.resolve(f.getFileName().toString().replace(".onnx", "")),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.exit(0);
    }

    private static Path dir(Path root, String relative) throws IOException {
        return Files.createDirectories(root.resolve(relative));
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 7) * 0.25f - 0.5f;
        }
        return v;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
