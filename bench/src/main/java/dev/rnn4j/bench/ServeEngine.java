package dev.rnn4j.bench;

import dev.rnn4j.RnnParameters;

/**
 * A peer engine {@code rnn4j serve-bench --engine NAME} can load, found with {@link java.util.ServiceLoader} on the
 * class path: the peers live in bench-only modules outside the default build (bench/peer/onnxruntime), so that rnn4j
 * itself never depends on them.
 */
public interface ServeEngine {
    /** The name {@code --engine} selects it by. */
    String name();

    /** A target running {@code weights}, safe for one caller per client thread at a time. */
    ServeTarget open(RnnParameters weights) throws Exception;
}
