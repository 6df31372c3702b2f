package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged checkpoints are refused with a message naming what is wrong, and leave the model and the optimizer they
 * were loaded into as they were: no half-restored training run.
 */
class CheckpointRefusalTest {
    static final SequenceModel.Config CONFIG = new SequenceModel.Config(5,
            RnnSpec.builder(CellType.LSTM).inputSize(3).hiddenSize(4).build(), 0f, 5, SequenceModel.Head.EVERY_STEP,
            SequenceModel.Loss.CROSS_ENTROPY, 7);
    @TempDir
    Path dir;
    private Backend backend;
    private SequenceModel saved;
    private Optimizer savedOptimizer;
    private SafetensorsFile good;

    @BeforeEach
    void trainOneStepAndSave() throws Exception {
        backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
        saved = new SequenceModel(backend, CONFIG);
        savedOptimizer = Optimizer.adam(backend, 0.01f, 0f, false);
        int[] tokens = {1, 2, 3, 4};
        saved.trainStep(new SequenceModel.Batch(2, 2, tokens, null, null, new int[] {2, 3, 4, 0}, null),
                savedOptimizer, 0);
        Checkpoint.save(dir.resolve("good.safetensors"), saved, savedOptimizer, 3, Map.of());
        good = SafetensorsFile.read(dir.resolve("good.safetensors"));
    }

    @AfterEach
    void close() throws Exception {
        saved.close();
        savedOptimizer.close();
        backend.close();
    }

    /** The good checkpoint rewritten: metadata through {@code metadata}, tensors kept unless {@code keep} says no. */
    private SafetensorsFile rewritten(UnaryOperator<Map<String, String>> metadata,
                                      java.util.function.Predicate<String> keep, String name, float[] replacement)
            throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, String> m = metadata.apply(new java.util.LinkedHashMap<>(good.metadata()));
        m.forEach(w::metadata);
        for (String t : good.tensors().keySet()) {
            if (keep.test(t)) {
                w.addF32(t, t.equals(name) ? replacement : good.floats(t), good.info(t).shape());
            }
        }
        Path p = dir.resolve("damaged.safetensors");
        w.write(p);
        return SafetensorsFile.read(p);
    }

    /** Loads {@code f} into a fresh model and optimizer, expects a refusal and that neither changed. */
    private String refusal(SafetensorsFile f) throws Exception {
        try (SequenceModel model = new SequenceModel(backend, CONFIG);
             Optimizer optimizer = Optimizer.adam(backend, 0.01f, 0f, false)) {
            List<float[]> before = values(model);
            String message = assertThrows(MalformedFileException.class, () -> Checkpoint.load(f, model, optimizer))
                    .getMessage();
            List<float[]> after = values(model);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), "parameter " + i + " changed by a refused load");
            }
            assertEquals(0, optimizer.steps(), "optimizer changed by a refused load");
            assertTrue(optimizer.saveState().isEmpty(), "optimizer state made by a refused load");
            assertTrue(message.startsWith(f.source() + ": "), message);
            return message;
        }
    }

    private List<float[]> values(SequenceModel model) {
        return model.trainableTensors().stream().map(t -> {
            float[] v = new float[Math.toIntExact(t.size())];
            backend.download(t.value(), 0, v, 0, v.length);
            return v;
        }).toList();
    }

    @Test
    void theGoodOneLoads() throws Exception {
        try (SequenceModel model = new SequenceModel(backend, CONFIG);
             Optimizer optimizer = Optimizer.adam(backend, 0.01f, 0f, false)) {
            assertEquals(3, Checkpoint.load(good, model, optimizer).step());
            assertEquals(1, optimizer.steps());
        }
    }

    @Test
    void modelJsonThatIsNotJson() throws Exception {
        String m = refusal(rewritten(md -> {
            md.put("model", "{\"vocabulary\" 5}");
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("metadata 'model' is not JSON"), m);
    }

    @Test
    void modelJsonLackingAField() throws Exception {
        String m = refusal(rewritten(md -> {
            md.put("model", md.get("model").replace("\"hidden\":4,", ""));
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("'hidden' must be a 32-bit integer, got null"), m);
    }

    @Test
    void modelJsonWithAnUnknownCell() throws Exception {
        String m = refusal(rewritten(md -> {
            md.put("model", md.get("model").replace("\"LSTM\"", "\"LSTN\""));
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("'cell' = 'LSTN' is not one of [RNN_TANH, RNN_RELU, LSTM, GRU]"), m);
    }

    @Test
    void aMissingModelConfiguration() throws Exception {
        String m = refusal(rewritten(md -> {
            md.remove("model");
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("metadata 'model' (the model's configuration) is missing"), m);
    }

    @Test
    void optimizerStateMissingAfterSteps() throws Exception {
        String missing = good.tensors().keySet().stream().filter(t -> t.endsWith(".state2")).findFirst().orElseThrow();
        String m = refusal(rewritten(md -> md, t -> !t.equals(missing), null, null));
        assertTrue(m.contains("optimizer state '" + missing.substring(4) + "' is missing: ADAM keeps it from its first "
                + "step on, and the checkpoint says 1 were made"), m);
    }

    @Test
    void anUnexpectedOptimizerState() throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        good.metadata().forEach(w::metadata);
        for (String t : good.tensors().keySet()) {
            w.addF32(t, good.floats(t), good.info(t).shape());
        }
        w.addF32("opt.head.weight.state3", new float[] {1}, 1);
        Path p = dir.resolve("extra.safetensors");
        w.write(p);
        String m = refusal(SafetensorsFile.read(p));
        assertTrue(m.contains("unexpected optimizer state 'head.weight.state3'"), m);
    }

    @Test
    void aNegativeStepCount() throws Exception {
        String m = refusal(rewritten(md -> {
            md.put("optimizer.steps", "-4");
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("optimizer step count -4 is negative"), m);
    }

    @Test
    void aNegativeDropoutCount() throws Exception {
        String m = refusal(rewritten(md -> {
            md.put("model.dropout_calls", "-1");
            return md;
        }, t -> true, null, null));
        assertTrue(m.contains("metadata 'model.dropout_calls' is -1; a count of calls is never negative"), m);
    }

    @Test
    void aNonFiniteOptimizerState() throws Exception {
        String state = good.tensors().keySet().stream().filter(t -> t.endsWith(".state1")).findFirst().orElseThrow();
        float[] v = good.floats(state);
        v[v.length - 1] = Float.NaN;
        String m = refusal(rewritten(md -> md, t -> true, state, v));
        assertTrue(m.contains("optimizer state '" + state.substring(4) + "' holds NaN at index " + (v.length - 1)), m);
    }
}
