package dev.rnn4j.peers.onnxruntime;

import dev.rnn4j.RnnParameters;
import dev.rnn4j.bench.ServeEngine;
import dev.rnn4j.bench.ServeTarget;

/** {@code serve-bench --engine onnxruntime}: found on the class path through the service file. */
public final class OrtServeEngine implements ServeEngine {
    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public ServeTarget open(RnnParameters weights) {
        return new OrtTarget(weights);
    }
}
