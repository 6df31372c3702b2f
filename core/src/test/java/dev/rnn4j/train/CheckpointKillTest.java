package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at random points of checkpoint writes: a child JVM saves a checkpoint over and over, printing each
 * step once its save has returned, and is killed without warning. Whatever the moment, the checkpoint on disk loads,
 * and it is the last save that returned or the one after it, never older (a save that returned is durable) and
 * never a mixture. {@code -Drnn4j.test.killRuns=N} runs more than the default.
 */
class CheckpointKillTest {
    static final SequenceModel.Config CONFIG = new SequenceModel.Config(7,
            RnnSpec.builder(CellType.LSTM).inputSize(16).hiddenSize(96).layers(2).build(), 0f, 7,
            SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, 3);
    private static final int DEFAULT_RUNS = 20;

    /**
     * The child: trains one step, then saves with steps 1, 2, 3, ... until killed, appending each step to the
     * progress file once its save has returned (a file, not a pipe: the parent reads it whole after the kill).
     */
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        Path progress = Path.of(args[1]);
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, CONFIG);
             Optimizer optimizer = Optimizer.adam(backend, 0.01f, 0f, false)) {
            model.trainStep(new SequenceModel.Batch(2, 1, new int[] {1, 2}, null, null, new int[] {2, 3}, null),
                    optimizer, 0);
            for (long step = 1; ; step++) {
                Checkpoint.save(path, model, optimizer, step, Map.of("step", Long.toString(step)));
                Files.writeString(progress, step + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
    }

    /** The last step the child reported saved (each report is one small append, whole or absent). */
    private static long lastSaved(Path progress) throws java.io.IOException {
        if (!Files.exists(progress)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(progress);
        return lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1).trim());
    }

    @Test
    void theCheckpointSurvivesKillsAtAnyPoint(@TempDir Path dir) throws Exception {
        int runs = Integer.getInteger("rnn4j.test.killRuns", DEFAULT_RUNS);
        Random random = new Random(1);
        Path ckpt = dir.resolve("train.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int killedMidWrite = 0;
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, CONFIG);
             Optimizer optimizer = Optimizer.adam(backend, 0.01f, 0f, false)) {
            for (int run = 0; run < runs; run++) {
                Path progress = dir.resolve("progress-" + run + ".txt");
                Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        CheckpointKillTest.class.getName(), ckpt.toString(), progress.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + run + ".log").toFile())
                        .start();
                // Let a few saves go by, then kill at a random moment of the next ones.
                int saves = 1 + random.nextInt(4);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (lastSaved(progress) < saves) {
                    assertTrue(child.isAlive(), "child died: " + Files.readString(dir.resolve("child-" + run + ".log")));
                    assertTrue(System.nanoTime() < deadline, "child made no progress");
                    Thread.sleep(1);
                }
                Thread.sleep(random.nextInt(15));
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
                long saved = lastSaved(progress);
                Files.delete(progress);
                Files.delete(dir.resolve("child-" + run + ".log"));
                long loaded = Checkpoint.load(ckpt, model, optimizer).step();
                assertTrue(loaded == saved || loaded == saved + 1,
                        "run " + run + ": the last save that returned was " + saved + " but the file holds " + loaded);
                if (loaded == saved + 1) {
                    killedMidWrite++;
                }
                assertEquals(Long.toString(loaded), Checkpoint.load(ckpt, model, optimizer).extra().get("step"));
            }
        }
        List<Path> left = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> !p.equals(ckpt)).forEach(left::add);
        }
        // A kill between writing the temporary file and renaming it leaves that file behind (named after the
        // target, ending in .tmp); anything else in the folder would be a stray write.
        for (Path p : left) {
            assertTrue(p.getFileName().toString().startsWith(".train.safetensors") && p.toString().endsWith(".tmp"),
                    "unexpected file " + p);
        }
        System.out.printf("CheckpointKillTest: %d kills, %d after a save had renamed its file before the child "
                + "printed it, %d temporary files left%n", runs, killedMidWrite, left.size());
    }
}
