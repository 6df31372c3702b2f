package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.train.SequenceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor's pools: tasks running at once get layers (and replicas) on backends of their own, since a backend
 * runs one sequence at a time; a layer given back is the next task's.
 */
class ExecutorLayersTest {
    @AfterEach
    void close() {
        ExecutorLayers.closeAll();
    }

    @Test
    void tasksAtOnceGetTheirOwnBackendsAndAReturnedLayerIsReused(@TempDir Path dir) throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.GRU).inputSize(2).hiddenSize(3).build();
        Path file = dir.resolve("m.safetensors");
        RnnModelFile.save(file, RnnParameters.uniform(spec, 5), false);
        byte[] bytes = Files.readAllBytes(file);
        RecurrentLayer first = ExecutorLayers.borrow("cpu", 1, "m", bytes);
        RecurrentLayer second = ExecutorLayers.borrow("cpu", 1, "m", bytes);
        assertNotSame(first.backend(), second.backend());
        ExecutorLayers.giveBack("cpu", 1, "m", first);
        assertSame(first, ExecutorLayers.borrow("cpu", 1, "m", bytes));
        ExecutorLayers.giveBack("cpu", 1, "m", first);
        ExecutorLayers.giveBack("cpu", 1, "m", second);
    }

    @Test
    void replicasAtOnceGetTheirOwnBackends() {
        DataParallelTrainer.Recipe recipe = new DataParallelTrainer.Recipe("LSTM", 2, 3, 1, 1, 1, "sgd", 0.1f, 1,
                "cpu", 1);
        SequenceModel a = ExecutorLayers.borrowReplica(recipe);
        SequenceModel b = ExecutorLayers.borrowReplica(recipe);
        assertNotSame(a.backend(), b.backend());
        ExecutorLayers.giveBack(recipe, a);
        assertSame(a, ExecutorLayers.borrowReplica(recipe));
        ExecutorLayers.giveBack(recipe, a);
        ExecutorLayers.giveBack(recipe, b);
    }
}
