package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TrainableTensor;
import dev.rnn4j.train.TruncatedBptt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming from a checkpoint on the CPU backend reproduces an uninterrupted run bit for bit. */
class CheckpointResumeTest {
    static final SequenceModel.Config CONFIG = new SequenceModel.Config(11,
            RnnSpec.builder(CellType.LSTM).inputSize(6).hiddenSize(20).layers(2).build(), 0.2f, 11,
            SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, 5);

    /** The batch of step {@code step}: a pure function of the step, as a resumable data loader must be. */
    static SequenceModel.Batch batch(long step) {
        Random r = new Random(1000 + step);
        int T = 7;
        int B = 3;
        int[] tokens = new int[T * B];
        int[] targets = new int[T * B];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(11);
            targets[i] = (tokens[i] * 3 + 1) % 11;
        }
        return new SequenceModel.Batch(T, B, tokens, null, null, targets, null);
    }

    static List<float[]> weights(Backend b, SequenceModel m) {
        List<float[]> out = new ArrayList<>();
        for (TrainableTensor t : m.trainableTensors()) {
            float[] v = new float[(int) t.size()];
            b.download(t.value(), 0, v, 0, v.length);
            out.add(v);
        }
        return out;
    }

    @Test
    void resumingReproducesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        List<float[]> straight;
        double[] lossesStraight = new double[10];
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.01f, 0.001f, true)) {
            for (int step = 0; step < 10; step++) {
                lossesStraight[step] = m.trainStep(batch(step), adam, 1.0);
            }
            straight = weights(b, m);
        }
        Path ckpt = dir.resolve("ckpt.safetensors");
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.01f, 0.001f, true)) {
            for (int step = 0; step < 5; step++) {
                assertEquals(lossesStraight[step], m.trainStep(batch(step), adam, 1.0));
            }
            Checkpoint.save(ckpt, m, adam, 5, Map.of("note", "half way"));
        }
        List<float[]> resumed;
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.5f, 0f, true)) {
            Checkpoint.Restored r = Checkpoint.load(ckpt, m, adam);
            assertEquals(5, r.step());
            assertEquals("half way", r.extra().get("note"));
            for (long step = r.step(); step < 10; step++) {
                assertEquals(lossesStraight[(int) step], m.trainStep(batch(step), adam, 1.0), "loss at step " + step);
            }
            resumed = weights(b, m);
        }
        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i), resumed.get(i), "tensor " + i);
        }
    }

    /** Streams of 30 steps for truncated BPTT, next-token targets of a noisy rule. */
    static SequenceModel.Batch streams(long seed) {
        Random r = new Random(seed);
        int T = 30;
        int B = 3;
        int[] tokens = new int[T * B];
        int[] targets = new int[T * B];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(11);
            targets[i] = r.nextInt(4) == 0 ? r.nextInt(11) : (tokens[i] * 5 + 2) % 11;
        }
        return new SequenceModel.Batch(T, B, tokens, null, null, targets, null);
    }

    /** The update loop of a TBPTT run that passes over the streams again and again, as char-rnn's does. */
    static double update(TruncatedBptt t, SequenceModel.Batch s, Optimizer opt) {
        if (!t.hasNext()) {
            t.start(s);
        }
        return t.trainNext(opt, 1.0);
    }

    @Test
    void resumingTruncatedBpttMidStreamReproducesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        SequenceModel.Batch s = streams(9);
        int updates = 12; // k1 = 4 over 30 steps: 8 updates a pass, so the run restarts the stream once
        double[] lossesStraight = new double[updates];
        List<float[]> straight;
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.01f, 0f, false);
             TruncatedBptt t = new TruncatedBptt(m, 4, 9)) {
            for (int u = 0; u < updates; u++) {
                lossesStraight[u] = update(t, s, adam);
            }
            straight = weights(b, m);
        }
        for (int cut : new int[] {3, 8}) { // mid-pass with a slid window, and at the end of a pass
            Path ckpt = dir.resolve("tbptt-" + cut + ".safetensors");
            try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
                 SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.01f, 0f, false);
                 TruncatedBptt t = new TruncatedBptt(m, 4, 9)) {
                for (int u = 0; u < cut; u++) {
                    assertEquals(lossesStraight[u], update(t, s, adam));
                }
                Checkpoint.save(ckpt, m, adam, cut, Map.of(), t.progress());
            }
            List<float[]> resumed;
            try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
                 SequenceModel m = new SequenceModel(b, CONFIG); Optimizer adam = Optimizer.adam(b, 0.01f, 0f, false);
                 TruncatedBptt t = new TruncatedBptt(m, 4, 9)) {
                Checkpoint.Restored r = Checkpoint.load(ckpt, m, adam);
                assertEquals(Math.min(cut * 4, 30), r.streamProgress().position());
                t.resume(s, r.streamProgress());
                for (long u = r.step(); u < updates; u++) {
                    assertEquals(lossesStraight[(int) u], update(t, s, adam), "loss of update " + u + " after " + cut);
                }
                resumed = weights(b, m);
            }
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i), resumed.get(i), "tensor " + i + " after a cut at " + cut);
            }
        }
    }

    @Test
    void truncatedBpttRefusesToResumeOnOtherStreamsOrStrides(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tbptt.safetensors");
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer sgd = Optimizer.sgd(b, 0.1f, 0f, 0f);
             TruncatedBptt t = new TruncatedBptt(m, 4, 9)) {
            t.start(streams(9));
            t.trainNext(sgd, 0);
            t.trainNext(sgd, 0);
            Checkpoint.save(ckpt, m, sgd, 2, Map.of(), t.progress());
            TruncatedBptt.Progress p = Checkpoint.load(ckpt, m, sgd).streamProgress();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.resume(streams(10), p));
            assertTrue(e.getMessage().contains("another stream"), e.getMessage());
            try (TruncatedBptt other = new TruncatedBptt(m, 4, 8)) {
                e = assertThrows(IllegalArgumentException.class, () -> other.resume(streams(9), p));
                assertTrue(e.getMessage().contains("TBPTT(4, 9) but this run is TBPTT(4, 8)"), e.getMessage());
            }
            SequenceModel.Batch s = streams(9);
            SequenceModel.Batch narrow = new SequenceModel.Batch(45, 2, s.tokens(), null, null, s.classes(), null);
            TruncatedBptt.Progress sameData = new TruncatedBptt.Progress(4, 9, 8, 0,
                    TruncatedBptt.fingerprint(narrow), p.h(), p.c());
            e = assertThrows(IllegalArgumentException.class, () -> t.resume(narrow, sameData));
            assertTrue(e.getMessage().contains("values of h"), e.getMessage());
            Checkpoint.save(ckpt, m, sgd, 2, Map.of());
            assertEquals(null, Checkpoint.load(ckpt, m, sgd).streamProgress());
        }
    }

    /** A checkpoint with a damaged entry is refused with the entry named, and the model keeps its weights. */
    @Test
    void aDamagedTruncatedBpttEntryIsRefused(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tbptt.safetensors");
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer sgd = Optimizer.sgd(b, 0.1f, 0.9f, 0f);
             TruncatedBptt t = new TruncatedBptt(m, 4, 9)) {
            t.start(streams(9));
            t.trainNext(sgd, 0);
            Checkpoint.save(ckpt, m, sgd, 1, Map.of(), t.progress());
            t.trainNext(sgd, 0); // the model moves on from what the file holds
            List<float[]> current = weights(b, m);
            for (String[] damage : new String[][] {{"tbptt", "4:9:4"}, {"tbptt", "4:9:x:0:12"},
                    {"tbptt", "9:4:4:0:12"}, {"drop", "tbptt.h"}, {"optimizer.steps", "many"}, {"shrink", "opt."},
                    {"optimizer.hyperparameters", "{\"learning_rate\":\"fast\"}"},
                    {"optimizer.hyperparameters", "{\"learning_rate\":\"NaN\"}"},
                    {"optimizer.hyperparameters", "{\"momentum\":\"0.5\",\"warp\":\"9\"}"},
                    {"optimizer.hyperparameters", "{\"decoupled_weight_decay\":\"yes\"}"},
                    {"optimizer.hyperparameters", "[1, 2]"}, {"optimizer.hyperparameters", "{not json"}}) {
                Path bad = dir.resolve("bad.safetensors");
                rewrite(ckpt, bad, damage);
                MalformedFileException e = assertThrows(MalformedFileException.class,
                        () -> Checkpoint.load(bad, m, sgd), String.join("=", damage));
                String expected = switch (damage[0]) {
                    case "optimizer.steps" -> "'optimizer.steps' is 'many'";
                    case "shrink" -> "optimizer state";
                    case "optimizer.hyperparameters" -> damage[1].startsWith("{\"") ? "optimizer hyperparameter '"
                            : "'optimizer.hyperparameters' is not a JSON object";
                    default -> "truncated-BPTT progress";
                };
                assertTrue(e.getMessage().contains(expected), e.getMessage());
                assertEquals(0.1f, sgd.learningRate(), "a refused load changed the learning rate");
                assertEquals(0.9f, Float.parseFloat(sgd.hyperparameters().get("momentum")),
                        "a refused load changed the momentum");
                List<float[]> after = weights(b, m);
                for (int i = 0; i < current.size(); i++) {
                    assertArrayEquals(current.get(i), after.get(i), "a refused load changed tensor " + i);
                }
            }
        }
    }

    /**
     * Copies a safetensors file, setting one metadata entry, dropping one tensor, or ("shrink", prefix) cutting the
     * last value off the first tensor whose name has that prefix.
     */
    private static void rewrite(Path from, Path to, String[] damage) throws Exception {
        dev.rnn4j.io.SafetensorsFile f = dev.rnn4j.io.SafetensorsFile.read(from);
        dev.rnn4j.io.SafetensorsWriter w = new dev.rnn4j.io.SafetensorsWriter();
        for (Map.Entry<String, String> e : f.metadata().entrySet()) {
            w.metadata(e.getKey(), damage[0].equals(e.getKey()) ? damage[1] : e.getValue());
        }
        boolean shrunk = false;
        for (String name : f.tensors().keySet()) {
            float[] v = f.floats(name);
            if (damage[0].equals("shrink") && !shrunk && name.startsWith(damage[1])) {
                shrunk = true;
                w.addF32(name, java.util.Arrays.copyOf(v, v.length - 1), v.length - 1);
            } else if (!(damage[0].equals("drop") && damage[1].equals(name))) {
                w.addF32(name, v, f.info(name).shape());
            }
        }
        assertTrue(!damage[0].equals("shrink") || shrunk, "no tensor starts with " + damage[1]);
        w.write(to);
    }

    @Test
    void aCheckpointOfAnotherModelIsRefused(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("ckpt.safetensors");
        try (Backend b = new CpuBackendProvider().open(BackendOptions.defaults());
             SequenceModel m = new SequenceModel(b, CONFIG); Optimizer sgd = Optimizer.sgd(b, 0.1f, 0.9f, 0f)) {
            m.trainStep(batch(0), sgd, 0);
            Checkpoint.save(ckpt, m, sgd, 1, Map.of());
            SequenceModel.Config other = new SequenceModel.Config(11, RnnSpec.builder(CellType.GRU).inputSize(6)
                    .hiddenSize(20).layers(2).build(), 0.2f, 11, SequenceModel.Head.EVERY_STEP,
                    SequenceModel.Loss.CROSS_ENTROPY, 5);
            try (SequenceModel gru = new SequenceModel(b, other)) {
                MalformedFileException e = assertThrows(MalformedFileException.class,
                        () -> Checkpoint.load(ckpt, gru, sgd));
                assertTrue(e.getMessage().contains("saved from"), e.getMessage());
            }
            try (Optimizer adam = Optimizer.adam(b, 0.1f, 0f, false)) {
                MalformedFileException e = assertThrows(MalformedFileException.class,
                        () -> Checkpoint.load(ckpt, m, adam));
                assertTrue(e.getMessage().contains("optimizer state is SGD but the optimizer is ADAM"), e.getMessage());
            }
        }
    }
}
