package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import org.HdrHistogram.Histogram;

/**
 * {@code --mode direct}: what a user does without a session, each client calling {@code forward} on its own
 * {@link RecurrentLayer#copy()} at batch 1, a stream's state going to the host and back with every call.
 */
final class DirectTarget implements ServeTarget {
    private final Backend backend;
    private final RecurrentLayer[] layers;

    DirectTarget(Backend backend, RnnParameters weights, int clients) {
        this.backend = backend;
        this.layers = new RecurrentLayer[clients];
        layers[0] = RecurrentLayer.create(backend, weights.spec(), weights);
        for (int c = 1; c < clients; c++) {
            layers[c] = layers[0].copy();
        }
    }

    @Override
    public void request(int client, float[] x, int steps) {
        layers[client].forward(RnnInput.sequenceMajor(x, steps, 1));
    }

    @Override
    public StreamGroup openStreams(int client, int count) {
        RecurrentLayer layer = layers[client];
        float[][] h = new float[count][];
        float[][] c = new float[count][];
        return new StreamGroup() {
            @Override
            public void tick(float[][] inputs, int steps, long since, Histogram latency) {
                for (int i = 0; i < count; i++) {
                    RnnOutput o = layer.forward(RnnInput.sequenceMajor(inputs[i], steps, 1)
                            .withInitialState(h[i], c[i]));
                    h[i] = o.hN();
                    c[i] = o.cN();
                    latency.recordValue(Math.max(0, System.nanoTime() - since));
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String describe() {
        return "rnn4j direct calls on " + backend.name() + " (" + backend.device().name() + "), one layer copy per "
                + "client, batch 1";
    }

    @Override
    public void close() {
        for (RecurrentLayer l : layers) {
            l.close();
        }
    }
}
