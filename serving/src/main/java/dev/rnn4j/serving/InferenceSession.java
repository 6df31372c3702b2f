package dev.rnn4j.serving;

import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One model's inference on one backend, for any number of calling threads. The weights are uploaded once, into a
 * {@link RecurrentLayer} that only the session's dispatcher thread uses. Each request is one sequence ({@code [T,
 * inputSize]}, with optional initial states); the dispatcher takes the first queued request, waits at most
 * {@link SessionOptions#maxQueueDelay} for others to join it, up to {@link SessionOptions#maxBatch}, and runs them as
 * one batch with their own lengths (shorter sequences are masked, not padded into the longer ones' results), then
 * gives each caller its own outputs and final states.
 *
 * <p>Queue: at most {@link SessionOptions#queueCapacity} requests wait; a full queue makes a submit wait or fail with
 * {@link RejectedExecutionException}, as {@link SessionOptions#whenFull} says. A request may carry a timeout (from
 * its submission; it then completes with {@link java.util.concurrent.TimeoutException} if it has not run by then)
 * and may be cancelled through its future; neither disturbs the others. {@link #close} stops taking requests, runs
 * every request queued before it, and releases the layer; submits after it fail with {@link
 * SessionClosedException}. No request is left without an outcome.
 */
public final class InferenceSession implements AutoCloseable {
    private final RnnSpec spec;
    private final SessionOptions options;
    private final RecurrentLayer layer;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Free places in the queue: the capacity is counted here so that close's marker always fits. */
    private final Semaphore room;
    private final Thread dispatcher;
    private final Object lifecycle = new Object();
    private boolean closed;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    /** Latencies in nanoseconds and batch sizes; written by the dispatcher, copied under their lock by stats(). */
    private final Histogram queueWaitNanos = new Histogram(3);
    private final Histogram computeNanos = new Histogram(3);
    private final Histogram endToEndNanos = new Histogram(3);
    private final Histogram batchSizes = new Histogram(3);

    /** A queued request and where its outcome goes. */
    private static final class Pending {
        final float[] x;
        final int steps;
        final float[] h0;
        final float[] c0;
        final CompletableFuture<SequenceResult> result = new CompletableFuture<>();
        final long submitted = System.nanoTime();

        Pending(float[] x, int steps, float[] h0, float[] c0) {
            this.x = x;
            this.steps = steps;
            this.h0 = h0;
            this.c0 = c0;
        }
    }

    /** Put in the queue by close: the dispatcher stops when it takes it. */
    private static final Pending CLOSE = new Pending(null, 0, null, null);

    private InferenceSession(Backend backend, RnnParameters weights, SessionOptions options) {
        this.spec = weights.spec();
        this.options = Objects.requireNonNull(options, "options");
        this.room = new Semaphore(options.queueCapacity());
        this.layer = RecurrentLayer.create(backend, spec, weights);
        this.dispatcher = new Thread(this::dispatch, "rnn4j-session-" + spec.cell().name().toLowerCase());
        dispatcher.setDaemon(true);
    }

    /** A session for {@code weights} on {@code backend}, running. */
    public static InferenceSession open(Backend backend, RnnParameters weights, SessionOptions options) {
        InferenceSession s = new InferenceSession(backend, weights, options);
        s.dispatcher.start();
        return s;
    }

    /** A session whose dispatcher waits for {@link #start}: lets tests fill its queue deterministically. */
    static InferenceSession unstarted(Backend backend, RnnParameters weights, SessionOptions options) {
        return new InferenceSession(backend, weights, options);
    }

    void start() {
        dispatcher.start();
    }

    /** The model's shape. */
    public RnnSpec spec() {
        return spec;
    }

    /** {@link #submit(float[], int, float[], float[], Duration)} from zero initial states, the session's timeout. */
    public CompletableFuture<SequenceResult> submit(float[] x, int steps) {
        return submit(x, steps, null, null, options.timeout());
    }

    /**
     * Queues one sequence: {@code x} is {@code [steps, inputSize]}; {@code h0} ({@code [layers·directions,
     * stateSize]}) and {@code c0} (LSTM, {@code [layers·directions, hidden]}) may be null for zeros; {@code timeout}
     * (null for none) counts from now. The arrays are copied, so the caller may reuse them at once.
     *
     * @throws IllegalArgumentException     when a shape is wrong (nothing is queued)
     * @throws RejectedExecutionException   when the queue is full and the session rejects rather than waits
     * @throws SessionClosedException       after {@link #close}
     * @throws CompletionException          wrapping an {@link InterruptedException} when waiting for room is
     *                                      interrupted (the thread's interrupt flag is set again)
     */
    public CompletableFuture<SequenceResult> submit(float[] x, int steps, float[] h0, float[] c0, Duration timeout) {
        SessionOptions.requireTimeout(timeout);
        Pending p = new Pending(copyChecked(x, steps, h0, c0), steps, h0 == null ? null : h0.clone(),
                c0 == null ? null : c0.clone());
        acquireRoom();
        synchronized (lifecycle) {
            if (closed) {
                room.release();
                throw new SessionClosedException("the session is closed; open a new one to run more requests");
            }
            queue.add(p);
        }
        requests.incrementAndGet();
        if (timeout != null) {
            p.result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return p.result;
    }

    /** {@link #submit(float[], int)} and waits for the result; the request's own failure is thrown as it is. */
    public SequenceResult run(float[] x, int steps) {
        return await(submit(x, steps));
    }

    /** {@link #submit(float[], int, float[], float[], Duration)} and waits for the result. */
    public SequenceResult run(float[] x, int steps, float[] h0, float[] c0, Duration timeout) {
        return await(submit(x, steps, h0, c0, timeout));
    }

    private static SequenceResult await(CompletableFuture<SequenceResult> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw new CompletionException("interrupted while waiting for the result (the request was cancelled)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(cause);
        }
    }

    private void acquireRoom() {
        if (options.whenFull() == SessionOptions.FullQueue.REJECT) {
            if (!room.tryAcquire()) {
                throw new RejectedExecutionException("the session's queue is full (" + options.queueCapacity()
                        + " requests); retry later, raise queueCapacity, or choose FullQueue.WAIT");
            }
            return;
        }
        try {
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException("interrupted while waiting for room in the session's queue", e);
        }
    }

    private float[] copyChecked(float[] x, int steps, float[] h0, float[] c0) {
        Objects.requireNonNull(x, "x must not be null");
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        long expected = (long) steps * spec.inputSize();
        if (x.length != expected) {
            throw new IllegalArgumentException("x holds " + x.length + " floats; " + steps + " steps of "
                    + spec.inputSize() + " inputs are " + expected);
        }
        int states = spec.hiddenStateFloats(1);
        if (h0 != null && h0.length != states) {
            throw new IllegalArgumentException("h0 holds " + h0.length + " floats, expected " + states
                    + " (layers·directions × state size)");
        }
        if (c0 != null && !spec.cell().hasCellState()) {
            throw new IllegalArgumentException("c0 is only for an LSTM; this session runs " + spec.cell());
        }
        if (c0 != null && c0.length != spec.cellStateFloats(1)) {
            throw new IllegalArgumentException("c0 holds " + c0.length + " floats, expected "
                    + spec.cellStateFloats(1) + " (layers·directions × hidden)");
        }
        return x.clone();
    }

    /** Counts and latency percentiles since the session opened. */
    public SessionStats stats() {
        synchronized (queueWaitNanos) {
            return new SessionStats(requests.get(), batches.get(), largestBatch.get(), queued(),
                    LatencySummary.of(queueWaitNanos), LatencySummary.of(computeNanos),
                    LatencySummary.of(endToEndNanos), BatchSizeSummary.of(batchSizes));
        }
    }

    private int queued() {
        int n = queue.size();
        return queue.contains(CLOSE) ? n - 1 : n;
    }

    private void dispatch() {
        List<Pending> batch = new ArrayList<>(options.maxBatch());
        long delay = options.maxQueueDelay().toNanos();
        boolean stop = false;
        try {
            while (!stop) {
                Pending first = take(queue.take());
                if (first == CLOSE) {
                    break;
                }
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + delay;
                while (batch.size() < options.maxBatch()) {
                    long wait = Math.max(0, deadline - System.nanoTime());
                    Pending p = take(queue.poll(wait, TimeUnit.NANOSECONDS));
                    if (p == CLOSE) {
                        stop = true;
                        break;
                    }
                    if (p != null) {
                        batch.add(p);
                    } else if (System.nanoTime() >= deadline) {
                        break; // nothing came in time (a request already done just gives way to the next)
                    }
                }
                runBatch(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Pending p : batch) {
                p.result.completeExceptionally(new SessionClosedException("the session's dispatcher stopped"));
            }
        }
    }

    /**
     * A request taken from the queue, its place freed: null when it needs no run (already cancelled or timed out,
     * or nothing was there), {@link #CLOSE} for the close marker.
     */
    private Pending take(Pending p) {
        if (p == null || p == CLOSE) {
            return p;
        }
        room.release();
        return p.result.isDone() ? null : p;
    }

    private void runBatch(List<Pending> batch) {
        int B = batch.size();
        long start = System.nanoTime();
        try {
            int T = 0;
            boolean anyH0 = false;
            boolean anyC0 = false;
            for (Pending p : batch) {
                T = Math.max(T, p.steps);
                anyH0 |= p.h0 != null;
                anyC0 |= p.c0 != null;
            }
            int in = spec.inputSize();
            float[] x = new float[T * B * in];
            int[] lengths = new int[B];
            int ld = spec.stateLayers();
            int S = spec.stateSize();
            int H = spec.hiddenSize();
            float[] h0 = anyH0 ? new float[ld * B * S] : null;
            float[] c0 = anyC0 ? new float[ld * B * H] : null;
            for (int b = 0; b < B; b++) {
                Pending p = batch.get(b);
                lengths[b] = p.steps;
                for (int t = 0; t < p.steps; t++) {
                    System.arraycopy(p.x, t * in, x, (t * B + b) * in, in);
                }
                scatterState(p.h0, h0, ld, B, b, S);
                scatterState(p.c0, c0, ld, B, b, H);
            }
            RnnOutput out = layer.forward(RnnInput.sequenceMajor(x, T, B).withLengths(lengths)
                    .withInitialState(h0, c0));
            int O = spec.outputSize();
            for (int b = 0; b < B; b++) {
                Pending p = batch.get(b);
                float[] y = new float[p.steps * O];
                for (int t = 0; t < p.steps; t++) {
                    System.arraycopy(out.output(), (t * B + b) * O, y, t * O, O);
                }
                p.result.complete(new SequenceResult(y, gatherState(out.hN(), ld, B, b, S),
                        out.cN() == null ? null : gatherState(out.cN(), ld, B, b, H)));
            }
            record(batch, start, System.nanoTime());
        } catch (RuntimeException | Error e) {
            for (Pending p : batch) {
                p.result.completeExceptionally(e);
            }
        }
    }

    private void record(List<Pending> batch, long start, long end) {
        batches.incrementAndGet();
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        synchronized (queueWaitNanos) {
            batchSizes.recordValue(batch.size());
            for (Pending p : batch) {
                queueWaitNanos.recordValue(Math.max(0, start - p.submitted));
                computeNanos.recordValue(end - start);
                endToEndNanos.recordValue(Math.max(0, end - p.submitted));
            }
        }
    }

    private static void scatterState(float[] one, float[] all, int ld, int batch, int b, int width) {
        if (one == null || all == null) {
            return;
        }
        for (int l = 0; l < ld; l++) {
            System.arraycopy(one, l * width, all, (l * batch + b) * width, width);
        }
    }

    private static float[] gatherState(float[] all, int ld, int batch, int b, int width) {
        float[] one = new float[ld * width];
        for (int l = 0; l < ld; l++) {
            System.arraycopy(all, (l * batch + b) * width, one, l * width, width);
        }
        return one;
    }

    /**
     * Stops taking requests, waits until every request queued before it has run (a session whose dispatcher never
     * started fails them with {@link SessionClosedException} instead), and closes the layer; the backend stays open,
     * as the caller owns it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(CLOSE);
        }
        boolean started = dispatcher.getState() != Thread.State.NEW;
        if (started) {
            boolean interrupted = false;
            while (true) {
                try {
                    dispatcher.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            if (p != CLOSE) {
                p.result.completeExceptionally(new SessionClosedException(
                        "the session was closed before this request ran"));
            }
        }
        layer.close();
    }
}
