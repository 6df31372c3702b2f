package dev.rnn4j.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Streams on the reference backend, whose results do not depend on the batch: each stream's results must be its
 * results run alone, to the bit, however its feeds were batched with other streams'.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionStreamTest {
    /** How long a reader blocked on the stream's lock is given to (wrongly) answer. */
    private static final long READER_GRACE_MILLIS = 200;
    private Backend backend;
    private final RnnSpec lstm = new RnnSpec(CellType.LSTM, 5, 7, 2, false, true);
    private RnnParameters weights;

    @BeforeAll
    void open() {
        backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
        weights = RnnParameters.uniform(lstm, 3);
    }

    @AfterAll
    void close() {
        backend.close();
    }

    private static float[] random(Random r, int n) {
        return StreamRuns.random(r, n);
    }

    @Test
    void concurrentStreamsAndRequestsEachGetTheirLoneResults() throws Exception {
        StreamRuns.concurrentStreamsMatchLoneRuns(backend, weights, 6, 5);
    }

    @Test
    void aGruStreamToo() throws Exception {
        RnnParameters gru = RnnParameters.uniform(new RnnSpec(CellType.GRU, 4, 6, 1, false, true), 9);
        StreamRuns.concurrentStreamsMatchLoneRuns(backend, gru, 3, 3);
    }

    /** Thousands of streams open at once, each fed one step per tick: the slot table grows, each stays its own. */
    @Test
    void thousandsOfOpenStreams() throws Exception {
        int n = 2500;
        RnnSpec small = new RnnSpec(CellType.LSTM, 3, 4, 2, false, true);
        RnnParameters w = RnnParameters.uniform(small, 5);
        SessionOptions options = SessionOptions.defaults().withMaxBatch(1024).withQueueCapacity(n)
                .withMaxQueueDelay(Duration.ofMillis(2));
        Random r = new Random(2);
        float[][] inputs = new float[n][];
        List<SessionStream> streams = new ArrayList<>();
        try (InferenceSession session = InferenceSession.open(backend, w, options);
             RecurrentLayer lone = RecurrentLayer.create(backend, small, w)) {
            for (int i = 0; i < n; i++) {
                streams.add(session.openStream());
                inputs[i] = random(r, 3 * small.inputSize());
            }
            assertEquals(n, session.stats().openStreams());
            float[][] outputs = new float[n][3 * small.outputSize()];
            for (int tick = 0; tick < 3; tick++) {
                List<CompletableFuture<float[]>> step = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    float[] x = java.util.Arrays.copyOfRange(inputs[i], tick * small.inputSize(),
                            (tick + 1) * small.inputSize());
                    step.add(streams.get(i).feed(x, 1));
                }
                for (int i = 0; i < n; i++) {
                    System.arraycopy(step.get(i).get(30, TimeUnit.SECONDS), 0, outputs[i], tick * small.outputSize(),
                            small.outputSize());
                }
            }
            SessionStats stats = session.stats();
            assertTrue(stats.largestBatch() >= 100, "a tick's feeds run in large batches: " + stats);
            assertEquals(3L * n, stats.streamSteps());
            for (int i = 0; i < n; i += 97) {
                RnnOutput want = lone.forward(RnnInput.sequenceMajor(inputs[i], 3, 1));
                assertArrayEquals(want.output(), outputs[i], "stream " + i);
                StreamState s = streams.get(i).state().get(30, TimeUnit.SECONDS);
                assertArrayEquals(want.hN(), s.h());
                assertArrayEquals(want.cN(), s.c());
            }
        }
    }

    @Test
    void aStateReadResumesTheStreamElsewhere() throws Exception {
        Random r = new Random(4);
        float[] a = random(r, 3 * lstm.inputSize());
        float[] b = random(r, 2 * lstm.inputSize());
        try (InferenceSession session = InferenceSession.open(backend, weights, SessionOptions.defaults())) {
            SessionStream first = session.openStream();
            first.run(a, 3);
            StreamState mid = first.state().get(30, TimeUnit.SECONDS);
            SessionStream resumed = session.openStream(mid.h(), mid.c());
            assertArrayEquals(first.run(b, 2), resumed.run(b, 2));
            assertArrayEquals(first.state().get().h(), resumed.state().get().h());
            assertArrayEquals(first.state().get().c(), resumed.state().get().c());
        }
    }

    @Test
    void closedStreamsFreeTheirSlotsForNewOnes() throws Exception {
        SessionOptions options = SessionOptions.defaults().withMaxStreams(2);
        Random r = new Random(6);
        try (InferenceSession session = InferenceSession.open(backend, weights, options)) {
            SessionStream a = session.openStream();
            SessionStream b = session.openStream();
            IllegalStateException full = assertThrows(IllegalStateException.class, session::openStream);
            assertTrue(full.getMessage().contains("limit of 2 open streams"), full.getMessage());
            float[] x = random(r, lstm.inputSize());
            a.run(x, 1);
            a.close();
            assertFalse(a.isOpen());
            StreamClosedException gone = assertThrows(StreamClosedException.class, () -> a.feed(x, 1));
            assertTrue(gone.getMessage().contains("closed"), gone.getMessage());
            SessionStream c = session.openStream(); // a's slot, fresh: zeros, not a's state
            try (RecurrentLayer lone = RecurrentLayer.create(backend, lstm, weights)) {
                assertArrayEquals(lone.forward(RnnInput.sequenceMajor(x, 1, 1)).output(), c.run(x, 1));
            }
            b.close();
            c.close();
            assertEquals(0, session.stats().openStreams());
        }
    }

    @Test
    void feedsMadeBeforeACloseStillRun() throws Exception {
        Random r = new Random(7);
        try (InferenceSession session = InferenceSession.open(backend, weights,
                SessionOptions.defaults().withMaxQueueDelay(Duration.ofMillis(20)))) {
            SessionStream s = session.openStream();
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fs.add(s.feed(random(r, lstm.inputSize()), 1));
            }
            s.close();
            for (CompletableFuture<float[]> f : fs) {
                assertEquals(lstm.outputSize(), f.get(30, TimeUnit.SECONDS).length);
            }
        }
    }

    @Test
    void anIdleStreamTimesOut() throws Exception {
        SessionOptions options = SessionOptions.defaults().withStreamIdleTimeout(Duration.ofMillis(40));
        float[] x = new float[lstm.inputSize()];
        try (InferenceSession session = InferenceSession.open(backend, weights, options)) {
            SessionStream s = session.openStream();
            s.run(x, 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (s.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse(s.isOpen(), "the stream should have timed out");
            StreamClosedException e = assertThrows(StreamClosedException.class, () -> s.feed(x, 1));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            assertEquals(0, session.stats().openStreams());
        }
    }

    /**
     * The dispatcher closes an idle stream and stops counting it in one step under the stream's lock: a caller
     * who sees the stream closed must not still see it counted among the open streams.
     */
    @Test
    void aStreamSeenClosedForIdlenessIsNoLongerCounted() throws Exception {
        try (InferenceSession session = InferenceSession.open(backend, weights, SessionOptions.defaults())) {
            SessionStream s = session.openStream();
            CompletableFuture<Boolean> seenOpen = new CompletableFuture<>();
            boolean closed = s.expireIfIdle(Long.MAX_VALUE, 1, () -> {
                Thread reader = new Thread(() -> seenOpen.complete(s.isOpen()));
                reader.start();
                try {
                    reader.join(READER_GRACE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                assertFalse(seenOpen.isDone(), "isOpen() answered while the stream was being closed");
            });
            assertTrue(closed);
            assertFalse(seenOpen.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCancelledFeedDoesNotRunAndTheStreamGoesOnFromBeforeIt() throws Exception {
        Random r = new Random(8);
        float[] x = random(r, lstm.inputSize());
        try (InferenceSession session = InferenceSession.open(backend, weights,
                SessionOptions.defaults().withMaxQueueDelay(Duration.ofMillis(300)));
             RecurrentLayer lone = RecurrentLayer.create(backend, lstm, weights)) {
            SessionStream s = session.openStream();
            CompletableFuture<float[]> dropped = s.feed(random(r, lstm.inputSize()), 1);
            assertTrue(dropped.cancel(false));
            assertArrayEquals(lone.forward(RnnInput.sequenceMajor(x, 1, 1)).output(), s.run(x, 1));
        }
    }

    @Test
    void closingTheSessionClosesItsStreams() throws Exception {
        InferenceSession session = InferenceSession.open(backend, weights, SessionOptions.defaults());
        SessionStream s = session.openStream();
        CompletableFuture<float[]> queued = s.feed(new float[lstm.inputSize()], 1);
        session.close();
        assertEquals(lstm.outputSize(), queued.get(30, TimeUnit.SECONDS).length, "queued before close: it runs");
        assertFalse(s.isOpen());
        assertThrows(StreamClosedException.class, () -> s.feed(new float[lstm.inputSize()], 1));
        assertThrows(SessionClosedException.class, session::openStream);
        StreamClosedException e = assertThrows(StreamClosedException.class, s::state);
        assertTrue(e.getMessage().contains("session was closed"), e.getMessage());
    }

    @Test
    void badStreamsAndFeedsAreRefusedClearly() {
        RnnParameters bi = RnnParameters.uniform(new RnnSpec(CellType.GRU, 3, 4, 1, true, true), 1);
        try (InferenceSession session = InferenceSession.open(backend, bi, SessionOptions.defaults())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, session::openStream);
            assertTrue(e.getMessage().contains("unidirectional"), e.getMessage());
        }
        try (InferenceSession session = InferenceSession.open(backend, weights, SessionOptions.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> session.openStream(new float[3], null));
            SessionStream s = session.openStream();
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> s.feed(new float[4], 1));
            assertTrue(bad.getMessage().contains("5 inputs"), bad.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.feed(new float[5], 0));
            assertThrows(IllegalArgumentException.class, () -> SessionOptions.defaults().withMaxStreams(0));
            assertThrows(IllegalArgumentException.class,
                    () -> SessionOptions.defaults().withStreamIdleTimeout(Duration.ZERO));
        }
    }
}
