package dev.rnn4j.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The session against the same layer run on each request alone, on the reference backend: its GEMM sums each
 * element in double in a fixed order and its cells work element by element, so a sequence's result does not depend
 * on the batch it ran in, and batched results must equal the lone runs to the bit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferenceSessionTest {
    private Backend backend;
    private final RnnSpec spec = new RnnSpec(CellType.LSTM, 5, 7, 2, true, true);
    private RnnParameters weights;

    @BeforeAll
    void open() {
        backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
        weights = RnnParameters.uniform(spec, 3);
    }

    @AfterAll
    void close() {
        backend.close();
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** The layer on one sequence alone, B = 1. */
    private RnnOutput alone(RecurrentLayer layer, float[] x, int steps, float[] h0, float[] c0) {
        return layer.forward(RnnInput.sequenceMajor(x, steps, 1).withInitialState(h0, c0));
    }

    @Test
    void concurrentCallersEachGetTheirOwnSequencesResult() throws Exception {
        int threads = 8;
        int perThread = 25;
        SessionOptions options = SessionOptions.defaults().withMaxBatch(6).withMaxQueueDelay(Duration.ofMillis(5));
        try (InferenceSession session = InferenceSession.open(backend, weights, options);
             RecurrentLayer layer = RecurrentLayer.create(backend, spec, weights)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<Object[]>>> work = new ArrayList<>();
                for (int th = 0; th < threads; th++) {
                    long seed = th;
                    work.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        List<Object[]> done = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            int steps = 1 + r.nextInt(9);
                            float[] x = random(r, steps * spec.inputSize());
                            float[] h0 = r.nextBoolean() ? random(r, spec.hiddenStateFloats(1)) : null;
                            float[] c0 = r.nextBoolean() ? random(r, spec.cellStateFloats(1)) : null;
                            SequenceResult got = i % 2 == 0 ? session.run(x, steps, h0, c0, null)
                                    : session.submit(x, steps, h0, c0, null).get(30, TimeUnit.SECONDS);
                            done.add(new Object[] {x, steps, h0, c0, got});
                        }
                        return done;
                    }));
                }
                int checked = 0;
                for (Future<List<Object[]>> f : work) {
                    for (Object[] d : f.get(60, TimeUnit.SECONDS)) {
                        float[] x = (float[]) d[0];
                        int steps = (Integer) d[1];
                        SequenceResult got = (SequenceResult) d[4];
                        RnnOutput want = alone(layer, x, steps, (float[]) d[2], (float[]) d[3]);
                        assertArrayEquals(want.output(), got.output());
                        assertArrayEquals(want.hN(), got.hN());
                        assertArrayEquals(want.cN(), got.cN());
                        checked++;
                    }
                }
                assertEquals(threads * perThread, checked);
            } finally {
                pool.shutdownNow();
            }
            SessionStats stats = session.stats();
            assertEquals(threads * perThread, stats.requests());
            assertTrue(stats.largestBatch() > 1, "eight callers at once must share batches: " + stats);
            assertTrue(stats.largestBatch() <= 6, stats.toString());
            assertTrue(stats.meanBatch() > 1, stats.toString());
            assertEquals(stats.batches(), stats.batchSize().batches());
            assertEquals(stats.largestBatch(), stats.batchSize().max());
            assertEquals(threads * perThread, stats.endToEnd().count());
            assertEquals(threads * perThread, stats.queueWait().count());
            assertTrue(stats.endToEnd().p50Ms() > 0, stats.toString());
            assertTrue(stats.endToEnd().p50Ms() <= stats.endToEnd().p99Ms(), stats.toString());
            assertTrue(stats.endToEnd().p99Ms() <= stats.endToEnd().maxMs() * 1.001, stats.toString());
            // Queue wait and compute add up to the end-to-end time of each request (percentiles: at the median).
            assertTrue(stats.queueWait().p50Ms() <= stats.endToEnd().p50Ms() * 1.001, stats.toString());
            assertEquals(0, stats.queued());
        }
    }

    /**
     * On the CPU backend a GEMM's order of summation depends on its shape, so a batched sequence agrees with its lone
     * run to rounding, not to the bit.
     */
    @Test
    void onTheCpuBackendBatchedResultsAgreeWithLoneRuns() throws Exception {
        try (Backend cpu = dev.rnn4j.Backends.open("cpu");
             InferenceSession session = InferenceSession.open(cpu, weights,
                     SessionOptions.defaults().withMaxQueueDelay(Duration.ofMillis(20)));
             RecurrentLayer layer = RecurrentLayer.create(cpu, spec, weights)) {
            Random r = new Random(11);
            List<float[]> xs = new ArrayList<>();
            List<CompletableFuture<SequenceResult>> results = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int steps = 1 + r.nextInt(8);
                float[] x = random(r, steps * spec.inputSize());
                xs.add(x);
                results.add(session.submit(x, steps));
            }
            for (int i = 0; i < xs.size(); i++) {
                float[] x = xs.get(i);
                SequenceResult got = results.get(i).get(30, TimeUnit.SECONDS);
                RnnOutput want = alone(layer, x, x.length / spec.inputSize(), null, null);
                assertClose(want.output(), got.output());
                assertClose(want.hN(), got.hN());
                assertClose(want.cN(), got.cN());
            }
            assertTrue(session.stats().largestBatch() > 1, session.stats().toString());
        }
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5f * Math.max(1f, Math.abs(want[i])), "element " + i);
        }
    }

    @Test
    void aFullQueueRejectsWithAClearMessageAndKeepsWhatItHolds() throws Exception {
        SessionOptions options = SessionOptions.defaults().withQueueCapacity(2)
                .withWhenFull(SessionOptions.FullQueue.REJECT);
        InferenceSession session = InferenceSession.unstarted(backend, weights, options);
        try {
            float[] x = new float[3 * spec.inputSize()];
            CompletableFuture<SequenceResult> a = session.submit(x, 3);
            CompletableFuture<SequenceResult> b = session.submit(x, 3);
            assertEquals(2, session.stats().queued());
            RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> session.submit(x, 3));
            assertTrue(e.getMessage().contains("queue is full (2 requests)"), e.getMessage());
            session.start();
            assertEquals(3 * spec.outputSize(), a.get(30, TimeUnit.SECONDS).output().length);
            assertEquals(3 * spec.outputSize(), b.get(30, TimeUnit.SECONDS).output().length);
            // Room again once the dispatcher took them.
            assertEquals(3 * spec.outputSize(), session.run(x, 3).output().length);
        } finally {
            session.close();
        }
    }

    @Test
    void aWaitingSubmitProceedsWhenRoomFrees() throws Exception {
        SessionOptions options = SessionOptions.defaults().withQueueCapacity(1);
        InferenceSession session = InferenceSession.unstarted(backend, weights, options);
        try {
            float[] x = new float[2 * spec.inputSize()];
            CompletableFuture<SequenceResult> first = session.submit(x, 2);
            CompletableFuture<CompletableFuture<SequenceResult>> second =
                    CompletableFuture.supplyAsync(() -> session.submit(x, 2));
            Thread.sleep(100);
            assertFalse(second.isDone(), "the queue holds one request: the second submit must wait");
            session.start();
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
        } finally {
            session.close();
        }
    }

    @Test
    void timeoutsAndCancellationsEndTheirRequestsOnly() throws Exception {
        InferenceSession session = InferenceSession.unstarted(backend, weights, SessionOptions.defaults());
        try {
            float[] x = new float[4 * spec.inputSize()];
            CompletableFuture<SequenceResult> timed = session.submit(x, 4, null, null, Duration.ofMillis(50));
            CompletableFuture<SequenceResult> cancelled = session.submit(x, 4);
            CompletableFuture<SequenceResult> kept = session.submit(x, 4);
            ExecutionException e = assertThrows(ExecutionException.class, () -> timed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(cancelled.cancel(false));
            session.start();
            assertEquals(4 * spec.outputSize(), kept.get(30, TimeUnit.SECONDS).output().length);
            assertThrows(CancellationException.class, cancelled::join);
        } finally {
            session.close();
        }
    }

    @Test
    void closeRunsWhatWasQueuedAndRefusesTheRest() throws Exception {
        InferenceSession session = InferenceSession.open(backend, weights,
                SessionOptions.defaults().withMaxQueueDelay(Duration.ofMillis(50)));
        float[] x = new float[3 * spec.inputSize()];
        List<CompletableFuture<SequenceResult>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(session.submit(x, 3));
        }
        session.close();
        for (CompletableFuture<SequenceResult> f : queued) {
            assertTrue(f.isDone(), "close must leave no request pending");
            assertEquals(3 * spec.outputSize(), f.get().output().length);
        }
        SessionClosedException e = assertThrows(SessionClosedException.class, () -> session.submit(x, 3));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        session.close(); // idempotent
    }

    @Test
    void closingASessionThatNeverRanFailsItsQueuedRequests() {
        InferenceSession session = InferenceSession.unstarted(backend, weights, SessionOptions.defaults());
        CompletableFuture<SequenceResult> f = session.submit(new float[2 * spec.inputSize()], 2);
        session.close();
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(SessionClosedException.class, e.getCause());
    }

    @Test
    void badShapesAreRefusedBeforeAnythingIsQueued() {
        try (InferenceSession session = InferenceSession.open(backend, weights, SessionOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.submit(new float[7], 2));
            assertTrue(e.getMessage().contains("2 steps of 5 inputs are 10"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> session.submit(new float[5], 0));
            assertThrows(IllegalArgumentException.class,
                    () -> session.submit(new float[5], 1, new float[3], null, null));
            assertThrows(IllegalArgumentException.class,
                    () -> session.submit(new float[5], 1, null, null, Duration.ZERO));
            assertThrows(NullPointerException.class, () -> session.submit(null, 1));
            assertEquals(0, session.stats().requests());
            assertEquals(0, session.stats().endToEnd().count());
            assertEquals(0, session.stats().meanBatch());
        }
        RnnSpec gru = new RnnSpec(CellType.GRU, 3, 4, 1, false, true);
        try (InferenceSession session = InferenceSession.open(backend, RnnParameters.uniform(gru, 1),
                SessionOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.submit(new float[3], 1, null, new float[4], null));
            assertTrue(e.getMessage().contains("only for an LSTM"), e.getMessage());
            SequenceResult r = session.run(new float[3], 1);
            assertNull(r.cN());
        }
    }

    @Test
    void optionsRejectNonsense() {
        SessionOptions d = SessionOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withMaxBatch(0));
        assertThrows(IllegalArgumentException.class, () -> d.withQueueCapacity(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxQueueDelay(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
    }

    @Test
    void aSessionOpensFromAModelFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("m.safetensors");
        dev.rnn4j.io.RnnModelFile.save(file, weights, false);
        float[] x = random(new Random(9), 3 * spec.inputSize());
        try (InferenceSession session = InferenceSession.open(backend, file, SessionOptions.defaults());
             RecurrentLayer layer = RecurrentLayer.create(backend, spec, weights)) {
            assertEquals(spec, session.spec());
            assertArrayEquals(alone(layer, x, 3, null, null).output(), session.run(x, 3).output());
        }
        java.nio.file.Path junk = dir.resolve("junk.safetensors");
        java.nio.file.Files.write(junk, new byte[] {1, 2, 3});
        assertThrows(dev.rnn4j.io.MalformedFileException.class,
                () -> InferenceSession.open(backend, junk, SessionOptions.defaults()));
    }
}
