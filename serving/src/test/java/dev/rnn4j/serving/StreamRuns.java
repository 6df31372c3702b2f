package dev.rnn4j.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The stream check shared by the backends' tests: many threads feed many streams in chunks of random sizes, with
 * stateless requests mixed in and streams opening and closing throughout; afterwards every stream's outputs and
 * final state must be, to the bit, those of its whole sequence run alone (batch 1, one call).
 */
final class StreamRuns {
    private StreamRuns() {
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** One stream's whole history: its start, every input fed and every output received, in order. */
    static final class History {
        final float[] h0;
        final float[] c0;
        final List<float[]> inputs = new ArrayList<>();
        final List<float[]> outputs = new ArrayList<>();
        StreamState last;

        History(float[] h0, float[] c0) {
            this.h0 = h0;
            this.c0 = c0;
        }

        float[] concat(List<float[]> parts) {
            int n = parts.stream().mapToInt(p -> p.length).sum();
            float[] all = new float[n];
            int at = 0;
            for (float[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }
    }

    /**
     * {@code threads} threads, each opening {@code streamsPerThread} streams over its run (a few at a time, closing
     * each after its feeds) and sending a stateless request now and then; checks everything against lone runs.
     */
    static void concurrentStreamsMatchLoneRuns(Backend backend, RnnParameters weights, int threads,
                                               int streamsPerThread) throws Exception {
        RnnSpec spec = weights.spec();
        SessionOptions options = SessionOptions.defaults().withMaxBatch(16).withMaxQueueDelay(Duration.ofMillis(1));
        List<History> histories = new ArrayList<>();
        List<Object[]> requests = new ArrayList<>();
        try (InferenceSession session = InferenceSession.open(backend, weights, options)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int th = 0; th < threads; th++) {
                    long seed = 100 + th;
                    work.add(pool.submit(() -> {
                        runOneThread(session, spec, new Random(seed), streamsPerThread, histories, requests);
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            SessionStats stats = session.stats();
            assertEquals(0, stats.openStreams(), stats.toString());
            assertTrue(stats.largestBatch() > 1, "streams fed at once must share batches: " + stats);
        }
        try (RecurrentLayer lone = RecurrentLayer.create(backend, spec, weights)) {
            for (History h : histories) {
                float[] x = h.concat(h.inputs);
                int steps = x.length / spec.inputSize();
                RnnOutput want = lone.forward(RnnInput.sequenceMajor(x, steps, 1).withInitialState(h.h0, h.c0));
                assertArrayEquals(want.output(), h.concat(h.outputs), "a stream's outputs");
                assertArrayEquals(want.hN(), h.last.h(), "a stream's final h");
                assertArrayEquals(want.cN(), h.last.c(), "a stream's final c");
            }
            for (Object[] q : requests) {
                float[] x = (float[]) q[0];
                int steps = x.length / spec.inputSize();
                SequenceResult got = (SequenceResult) q[1];
                RnnOutput want = lone.forward(RnnInput.sequenceMajor(x, steps, 1));
                assertArrayEquals(want.output(), got.output(), "a request's outputs");
            }
        }
        assertTrue(histories.size() == (long) threads * streamsPerThread);
    }

    private static void runOneThread(InferenceSession session, RnnSpec spec, Random r, int streams,
                                     List<History> histories, List<Object[]> requests) throws Exception {
        int live = 3;
        List<SessionStream> open = new ArrayList<>();
        List<History> mine = new ArrayList<>();
        List<Integer> left = new ArrayList<>();
        int opened = 0;
        while (opened < streams || !open.isEmpty()) {
            while (open.size() < live && opened < streams) {
                float[] h0 = r.nextBoolean() ? random(r, spec.hiddenStateFloats(1)) : null;
                float[] c0 = spec.cell().hasCellState() && r.nextBoolean() ? random(r, spec.cellStateFloats(1)) : null;
                open.add(session.openStream(h0, c0));
                mine.add(new History(h0, c0));
                left.add(2 + r.nextInt(5));
                opened++;
            }
            int i = r.nextInt(open.size());
            SessionStream s = open.get(i);
            History h = mine.get(i);
            int steps = 1 + r.nextInt(3);
            float[] x = random(r, steps * spec.inputSize());
            h.inputs.add(x);
            h.outputs.add(r.nextBoolean() ? s.run(x, steps) : s.feed(x, steps).get(30, TimeUnit.SECONDS));
            if (r.nextInt(4) == 0) {
                float[] q = random(r, (1 + r.nextInt(4)) * spec.inputSize());
                SequenceResult got = session.run(q, q.length / spec.inputSize());
                synchronized (requests) {
                    requests.add(new Object[] {q, got});
                }
            }
            int remaining = left.get(i) - 1;
            left.set(i, remaining);
            if (remaining == 0) {
                h.last = s.state().get(30, TimeUnit.SECONDS);
                s.close();
                open.remove(i);
                mine.remove(i);
                left.remove(i);
                synchronized (histories) {
                    histories.add(h);
                }
            }
        }
    }
}
