package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.serving.InferenceSession;
import dev.rnn4j.serving.SessionOptions;
import dev.rnn4j.serving.SessionStats;
import dev.rnn4j.serving.SessionStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/** {@code --mode session}: every client goes through one {@link InferenceSession}, which batches them. */
final class SessionTarget implements ServeTarget {
    private final InferenceSession session;
    private final Backend backend;

    SessionTarget(Backend backend, RnnParameters weights, SessionOptions options) {
        this.backend = backend;
        this.session = InferenceSession.open(backend, weights, options);
    }

    @Override
    public void request(int client, float[] x, int steps) {
        session.run(x, steps);
    }

    @Override
    public StreamGroup openStreams(int client, int count) {
        List<SessionStream> streams = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            streams.add(session.openStream());
        }
        List<CompletableFuture<float[]>> pending = new ArrayList<>(count);
        return new StreamGroup() {
            @Override
            public void tick(float[][] inputs, int steps, long since, Histogram latency) {
                pending.clear();
                for (int i = 0; i < streams.size(); i++) {
                    pending.add(streams.get(i).feed(inputs[i], steps));
                }
                for (CompletableFuture<float[]> f : pending) {
                    f.join();
                    latency.recordValue(Math.max(0, System.nanoTime() - since));
                }
            }

            @Override
            public void close() {
                streams.forEach(SessionStream::close);
            }
        };
    }

    @Override
    public String describe() {
        SessionOptions o = session.options();
        return "rnn4j session on " + backend.name() + " (" + backend.device().name() + "), max batch " + o.maxBatch()
                + ", max queue delay " + o.maxQueueDelay().toNanos() / 1e6 + " ms";
    }

    @Override
    public SessionFigures sessionFigures() {
        SessionStats s = session.stats();
        return new SessionFigures(s.meanBatch(), s.largestBatch(), s.batches(), s.queueWait().p50Ms(),
                s.queueWait().p99Ms(), s.compute().p50Ms(), s.compute().p99Ms(), s.openStreams());
    }

    @Override
    public void close() {
        session.close();
    }
}
