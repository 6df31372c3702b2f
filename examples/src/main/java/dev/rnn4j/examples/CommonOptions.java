package dev.rnn4j.examples;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every example takes. */
final class CommonOptions {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, cpu, opencl[:N], cuda[:N], reference (default: -Drnn4j.backend, RNN4J_BACKEND, auto).")
    String backend;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps (default: ${DEFAULT-VALUE}).",
            defaultValue = "500")
    long steps;

    @Option(names = "--minutes", paramLabel = "M", description = "Stop after this many minutes (default: no limit).")
    Double minutes;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "examples-out",
            description = "Where the checkpoint and the loss curve go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for weights, data and dropout.")
    long seed;

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate (each example has its own default).")
    Float learningRate;

    java.time.Duration maxTime() {
        return minutes == null ? null : java.time.Duration.ofMillis((long) (minutes * 60_000));
    }

    float learningRate(float fallback) {
        return learningRate == null ? fallback : learningRate;
    }
}
