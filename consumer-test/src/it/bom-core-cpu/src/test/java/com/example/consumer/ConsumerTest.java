package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.RunInputs;
import dev.rnn4j.io.SafetensorsFile;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a user of the published artifacts does first: load PyTorch's weights, run them, get PyTorch's numbers. */
class ConsumerTest {
    private static final double TOLERANCE = 1e-5;

    private static Path fixture(String file) {
        return Path.of(System.getProperty("fixtures")).resolve(file);
    }

    @Test
    void aPyTorchStateDictRunsOnTheCpuBackendAndGivesPyTorchsOutput() throws Exception {
        RnnModelFile.Model model = RnnModelFile.load(fixture("lstm_2layer_bidirectional_lengths.model.safetensors"));
        SafetensorsFile io = SafetensorsFile.read(fixture("lstm_2layer_bidirectional_lengths.io.safetensors"));
        RunInputs inputs = RunInputs.read(io, model.spec(), model.batchFirst());
        try (Backend backend = Backends.open("cpu");
             RecurrentLayer layer = RecurrentLayer.create(backend, model.spec(), model.weights())) {
            RnnOutput out = layer.forward(inputs.input());
            float[] expected = io.floats("output");
            assertEquals(expected.length, out.output().length);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - out.output()[i]));
            }
            assertTrue(worst < TOLERANCE, "largest difference from PyTorch: " + worst);
        }
    }

    @Test
    void theJarsNameTheirModules() throws URISyntaxException {
        Set<String> names = ModuleFinder.of(jarOf(RecurrentLayer.class), jarOf(cpuProvider())).findAll().stream()
                .map(ModuleReference::descriptor).map(d -> d.name()).collect(Collectors.toSet());
        assertEquals(Set.of("dev.rnn4j", "dev.rnn4j.cpu"), names);
    }

    private static Class<?> cpuProvider() {
        try {
            return Class.forName("dev.rnn4j.cpu.CpuBackendProvider");
        } catch (ClassNotFoundException e) {
            throw new AssertionError("the CPU backend is not on the class path", e);
        }
    }

    private static Path jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
