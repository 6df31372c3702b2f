package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What rnn4j saves loads back in PyTorch: each cell type is saved by {@link RnnModelFile#save}, run here, and
 * handed to {@code fixtures/check_pytorch_load.py}, which builds the torch module from the metadata alone, loads
 * the state_dict strictly and compares PyTorch's forward pass with rnn4j's. Needs {@code /usr/bin/python3} with
 * torch (Debian's python3-torch): skipped without it, except on CI, where .ci/run installs it and it must run.
 */
class PyTorchLoadsRnn4jModelsTest {
    private static final Path SCRIPT = Path.of("fixtures", "check_pytorch_load.py");

    static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void pytorchLoadsAndReproduces(CellType cell, @TempDir Path dir) throws Exception {
        loadsAndReproduces(new RnnSpec(cell, 3, 4, 2, true, true), dir);
    }

    /** PyTorch's proj_size: weight_hr_l{k} and the narrower h, states and outputs must match its module. */
    @org.junit.jupiter.api.Test
    void pytorchLoadsAndReproducesAProjectedLstm(@TempDir Path dir) throws Exception {
        loadsAndReproduces(new RnnSpec(CellType.LSTM, 3, 5, 2, true, true, dev.rnn4j.CellVariant.projected(2)), dir);
    }

    private static void loadsAndReproduces(RnnSpec spec, Path dir) throws Exception {
        CellType cell = spec.cell();
        boolean onCi = System.getenv("CI") != null;
        if (!onCi) {
            assumeTrue(torchAvailable(), "/usr/bin/python3 with torch not installed (apt-get install python3-torch)");
        }
        RnnParameters weights = RnnParameters.uniform(spec, 99);
        Path model = dir.resolve("model.safetensors");
        RnnModelFile.save(model, weights, false);

        int steps = 5;
        int batch = 3;
        int[] lengths = {5, 2, 4};
        Random r = new Random(1);
        float[] x = new float[steps * batch * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        RnnOutput out;
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer layer = RecurrentLayer.create(b, spec, weights)) {
            out = layer.forward(RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths));
        }
        long[] states = {spec.stateLayers(), batch, spec.stateSize()};
        long[] cells = {spec.stateLayers(), batch, spec.hiddenSize()};
        SafetensorsWriter results = new SafetensorsWriter()
                .addF32("input", x, steps, batch, 3)
                .addI64("lengths", lengths, batch)
                .addF32("output", out.output(), steps, batch, spec.outputSize())
                .addF32("h_n", out.hN(), states);
        if (cell.hasCellState()) {
            results.addF32("c_n", out.cN(), cells);
        }
        Path io = dir.resolve("results.safetensors");
        results.write(io);

        Process p = new ProcessBuilder("/usr/bin/python3", SCRIPT.toString(), model.toString(), io.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("loaded"), log);
        assertTrue(Files.size(model) > 0);
    }
}
