package dev.rnn4j.serving;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Streams: {@link #openStream} opens a {@link SessionStream}, a sequence fed a few steps at a time whose state
 * stays on the device in the session's slot table ({@link StreamSlots}). The dispatcher batches the feeds of
 * different streams like requests: it gathers their states from their slots, runs one batch of their steps (each
 * stream with its own number of steps), and scatters the final states back, without a round trip to the host.
 * A stream's feeds run in order and each continues from the last. Streams need a unidirectional model (a reverse
 * direction would need a stream's end).
 *
 * <p>Threads: callers only enqueue, and wait if they wish; the dispatcher is the one thread that computes, so
 * callers never contend for the layer, and a slow caller never holds up the others.
 */
public final class InferenceSession implements AutoCloseable {
    private final RnnSpec spec;
    private final SessionOptions options;
    private final Backend backend;
    private final RecurrentLayer layer;
    private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    /** Free places for requests and feeds in the queue (a stream's open, close and state read need none). */
    private final Semaphore room;
    private final Thread dispatcher;
    private final Object lifecycle = new Object();
    private boolean closed;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong feeds = new AtomicLong();
    private final AtomicLong streamSteps = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    private final AtomicLong streamIds = new AtomicLong();
    /** Streams opened (or being opened) and not yet closed: what maxStreams bounds. */
    private final AtomicInteger openStreams = new AtomicInteger();
    /** The open streams, for the idle timeout and for close; the dispatcher's own. */
    private final Set<SessionStream> streams = ConcurrentHashMap.newKeySet();
    /** Latencies in nanoseconds and batch sizes; written by the dispatcher, copied under their lock by stats(). */
    private final Histogram queueWaitNanos = new Histogram(3);
    private final Histogram computeNanos = new Histogram(3);
    private final Histogram endToEndNanos = new Histogram(3);
    private final Histogram batchSizes = new Histogram(3);
    /** Created on the first stream, by the dispatcher. */
    private StreamSlots slots;
    /** The stream batches' input on the device, grown to the largest batch. */
    private DeviceBuffer streamInput;

    /** What the queue holds, in submission order. */
    private abstract static class Work {
        final long submitted = System.nanoTime();

        /** Whether the work holds a place in the queue (requests and feeds do). */
        boolean countsAgainstRoom() {
            return true;
        }

        /** Whether it still needs running (a request or feed already timed out or cancelled does not). */
        boolean live() {
            return true;
        }
    }

    /** A queued request and where its outcome goes. */
    private static final class Pending extends Work {
        final float[] x;
        final int steps;
        final float[] h0;
        final float[] c0;
        final CompletableFuture<SequenceResult> result = new CompletableFuture<>();

        Pending(float[] x, int steps, float[] h0, float[] c0) {
            this.x = x;
            this.steps = steps;
            this.h0 = h0;
            this.c0 = c0;
        }

        @Override
        boolean live() {
            return !result.isDone();
        }
    }

    /** Steps for a stream. */
    private static final class Feed extends Work {
        final SessionStream stream;
        final float[] x;
        final int steps;
        final CompletableFuture<float[]> result = new CompletableFuture<>();

        Feed(SessionStream stream, float[] x, int steps) {
            this.stream = stream;
            this.x = x;
            this.steps = steps;
        }

        @Override
        boolean live() {
            return !result.isDone();
        }
    }

    /** A stream's opening, closing or state read: runs after the stream's earlier feeds, never batched. */
    private static final class StreamControl extends Work {
        enum Kind { OPEN, CLOSE, READ }

        final Kind kind;
        final SessionStream stream;
        final float[] h0;
        final float[] c0;
        final CompletableFuture<StreamState> result = new CompletableFuture<>();

        StreamControl(Kind kind, SessionStream stream, float[] h0, float[] c0) {
            this.kind = kind;
            this.stream = stream;
            this.h0 = h0;
            this.c0 = c0;
        }

        @Override
        boolean countsAgainstRoom() {
            return false;
        }
    }

    /** Put in the queue by close: the dispatcher stops when it takes it. */
    private static final Work CLOSE = new Work() {
        @Override
        boolean countsAgainstRoom() {
            return false;
        }
    };

    private InferenceSession(Backend backend, RnnParameters weights, SessionOptions options) {
        this.spec = weights.spec();
        this.options = Objects.requireNonNull(options, "options");
        this.backend = backend;
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

    /**
     * A session for the model in {@code modelFile} (an rnn4j model file, as {@link RnnModelFile} saves; an ONNX
     * graph of one recurrent node gives its weights through the ONNX module's {@code OnnxModel.recurrentWeights}).
     *
     * @throws IOException            when the file cannot be read
     * @throws dev.rnn4j.io.MalformedFileException when it is not a model file (nothing is allocated)
     */
    public static InferenceSession open(Backend backend, Path modelFile, SessionOptions options) throws IOException {
        return open(backend, RnnModelFile.load(modelFile).weights(), options);
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

    /** How this session batches and queues. */
    public SessionOptions options() {
        return options;
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
        checkInput(x, steps);
        checkStates(h0, c0);
        Pending p = new Pending(x.clone(), steps, h0 == null ? null : h0.clone(), c0 == null ? null : c0.clone());
        enqueue(p);
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

    /** {@link #openStream(float[], float[])} from zero states. */
    public SessionStream openStream() {
        return openStream(null, null);
    }

    /**
     * Opens a stream starting from {@code h0} ({@code [layers, stateSize]}) and {@code c0} (LSTM, {@code [layers,
     * hidden]}), null for zeros: for instance a {@link StreamState} read from another stream. Waits until its slot
     * is ready.
     *
     * @throws IllegalStateException   for a bidirectional model, or when maxStreams streams are open
     * @throws SessionClosedException  after {@link #close}
     * @throws dev.rnn4j.DeviceOutOfMemoryException when the device cannot hold another slot
     */
    public SessionStream openStream(float[] h0, float[] c0) {
        if (spec.bidirectional()) {
            throw new IllegalStateException("streams need a unidirectional model: a bidirectional layer's reverse "
                    + "direction starts from a sequence's end, which a stream does not have");
        }
        checkStates(h0, c0);
        if (openStreams.incrementAndGet() > options.maxStreams()) {
            openStreams.decrementAndGet();
            throw new IllegalStateException("the session already holds its limit of " + options.maxStreams()
                    + " open streams; close some or raise SessionOptions.maxStreams");
        }
        SessionStream stream = new SessionStream(this, streamIds.getAndIncrement());
        StreamControl open = new StreamControl(StreamControl.Kind.OPEN, stream, h0 == null ? null : h0.clone(),
                c0 == null ? null : c0.clone());
        try {
            enqueue(open);
            await(open.result);
        } catch (RuntimeException e) {
            openStreams.decrementAndGet();
            stream.markClosed("the stream failed to open", e);
            throw e;
        }
        return stream;
    }

    CompletableFuture<float[]> feed(SessionStream stream, float[] x, int steps, Duration timeout) {
        SessionOptions.requireTimeout(timeout);
        checkInput(x, steps);
        stream.admit();
        Feed f = new Feed(stream, x.clone(), steps);
        try {
            enqueue(f);
        } catch (RuntimeException e) {
            stream.finished();
            throw e;
        }
        f.result.whenComplete((v, e) -> stream.finished());
        feeds.incrementAndGet();
        if (timeout != null) {
            f.result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return f.result;
    }

    CompletableFuture<StreamState> readState(SessionStream stream) {
        stream.admit();
        StreamControl read = new StreamControl(StreamControl.Kind.READ, stream, null, null);
        read.result.whenComplete((v, e) -> stream.finished());
        try {
            enqueue(read);
        } catch (RuntimeException e) {
            read.result.completeExceptionally(e);
        }
        return read.result;
    }

    /**
     * Queues the slot's release after the stream's feeds, then stops counting the stream: a stream opened after
     * this is queued after the release, so the limit never refuses it for a slot about to be freed.
     */
    void closeStream(SessionStream stream) {
        try {
            enqueue(new StreamControl(StreamControl.Kind.CLOSE, stream, null, null));
            openStreams.decrementAndGet();
        } catch (SessionClosedException e) {
            // the session's close frees every slot
        }
    }

    static <T> T await(CompletableFuture<T> f) {
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

    private void enqueue(Work w) {
        if (w.countsAgainstRoom()) {
            acquireRoom();
        }
        synchronized (lifecycle) {
            if (closed) {
                if (w.countsAgainstRoom()) {
                    room.release();
                }
                throw new SessionClosedException("the session is closed; open a new one to run more requests");
            }
            queue.add(w);
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

    private void checkInput(float[] x, int steps) {
        Objects.requireNonNull(x, "x must not be null");
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        long expected = (long) steps * spec.inputSize();
        if (x.length != expected) {
            throw new IllegalArgumentException("x holds " + x.length + " floats; " + steps + " steps of "
                    + spec.inputSize() + " inputs are " + expected);
        }
    }

    private void checkStates(float[] h0, float[] c0) {
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
    }

    /** Counts and latency percentiles since the session opened. */
    public SessionStats stats() {
        synchronized (queueWaitNanos) {
            return new SessionStats(requests.get(), feeds.get(), streamSteps.get(), batches.get(),
                    largestBatch.get(), queued(), openStreams.get(), LatencySummary.of(queueWaitNanos),
                    LatencySummary.of(computeNanos), LatencySummary.of(endToEndNanos), BatchSizeSummary.of(batchSizes));
        }
    }

    private int queued() {
        int n = 0;
        for (Work w : queue) {
            n += w.countsAgainstRoom() ? 1 : 0;
        }
        return n;
    }

    /**
     * The dispatcher stops waiting for a batch to fill once nothing has arrived for a while: clients that resubmit as
     * soon as they have their results arrive within tens of microseconds of one another, and waiting the whole delay
     * after the last of them only adds latency (with 8 closed-loop clients and a 2 ms delay, every batch waited 2 ms
     * for requests that could not come: 1,779 requests/s against 6,010 for the same batches offline, measured). The
     * while is an eighth of the maximum delay, and never more than a quarter of what the last batches took to
     * compute: waiting longer than that for one more request costs more than running without it (a tiny model's
     * batch of 4 computes in tens of microseconds, and 250 µs of waiting made its requests 0.4 ms, measured).
     */
    private static final long BURST_GAP_FRACTION = 8;
    private static final long COMPUTE_GAP_FRACTION = 4;
    /** Below this the wait for more is not worth a timed park (which oversleeps by tens of µs): only what is there. */
    private static final long SHORTEST_TIMED_WAIT_NANOS = 20_000;
    /** A moving average of recent batches' compute times, in nanoseconds; the dispatcher's own. */
    private long computeAverageNanos = -1;

    /** How long to wait for the next arrival before running what is collected. */
    private long burstGap(long delay) {
        long gap = delay / BURST_GAP_FRACTION;
        if (computeAverageNanos >= 0) {
            gap = Math.min(gap, computeAverageNanos / COMPUTE_GAP_FRACTION);
        }
        return gap < SHORTEST_TIMED_WAIT_NANOS ? 0 : gap;
    }

    /** How long the dispatcher may sleep on an empty queue while streams may time out. */
    private long idleCheckNanos() {
        Duration idle = options.streamIdleTimeout();
        return idle == null || streams.isEmpty() ? Long.MAX_VALUE : Math.max(1_000_000L, idle.toNanos() / 4);
    }

    private void dispatch() {
        List<Work> taken = new ArrayList<>();
        long delay = options.maxQueueDelay().toNanos();
        boolean stop = false;
        try {
            while (!stop) {
                expireIdleStreams();
                long idleCheck = idleCheckNanos();
                Work first = idleCheck == Long.MAX_VALUE ? queue.take() : queue.poll(idleCheck, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                if (first == CLOSE) {
                    break;
                }
                taken.add(take(first));
                int batched = first.countsAgainstRoom() ? 1 : 0;
                long deadline = System.nanoTime() + delay;
                long gap = burstGap(delay);
                while (batched < options.maxBatch()) {
                    long wait = Math.min(Math.max(0, deadline - System.nanoTime()), gap);
                    Work w = wait == 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (w == CLOSE) {
                        stop = true;
                        break;
                    }
                    if (w != null) {
                        taken.add(take(w));
                        batched += w.countsAgainstRoom() ? 1 : 0;
                    } else {
                        break; // the burst is over, or the delay is up
                    }
                }
                runInOrder(taken);
                taken.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Work w : taken) {
                fail(w, new SessionClosedException("the session's dispatcher stopped"));
            }
        }
    }

    /** {@code w}, its place in the queue freed. */
    private Work take(Work w) {
        if (w.countsAgainstRoom()) {
            room.release();
        }
        return w;
    }

    /**
     * Runs what was taken, keeping each stream's order: requests join one batch and feeds another, and a stream's
     * second feed, close or state read first runs the batches formed so far (its earlier feed is in them).
     */
    private void runInOrder(List<Work> taken) {
        List<Pending> requestBatch = new ArrayList<>();
        List<Feed> feedBatch = new ArrayList<>();
        Set<SessionStream> inBatch = new HashSet<>();
        for (Work w : taken) {
            if (!w.live()) {
                continue;
            }
            if (w instanceof Pending p) {
                requestBatch.add(p);
            } else if (w instanceof Feed f) {
                if (!inBatch.add(f.stream)) {
                    runBatches(requestBatch, feedBatch, inBatch);
                    inBatch.add(f.stream);
                }
                feedBatch.add(f);
            } else if (w instanceof StreamControl c) {
                if (inBatch.contains(c.stream)) {
                    runBatches(requestBatch, feedBatch, inBatch);
                }
                control(c);
            }
        }
        runBatches(requestBatch, feedBatch, inBatch);
    }

    private void runBatches(List<Pending> requestBatch, List<Feed> feedBatch, Set<SessionStream> inBatch) {
        if (!feedBatch.isEmpty()) {
            runFeeds(feedBatch);
        }
        if (!requestBatch.isEmpty()) {
            runRequests(requestBatch);
        }
        requestBatch.clear();
        feedBatch.clear();
        inBatch.clear();
    }

    private void control(StreamControl c) {
        try {
            switch (c.kind) {
                case OPEN -> {
                    if (slots == null) {
                        slots = new StreamSlots(backend, spec, options.maxStreams());
                    }
                    c.stream.slot = slots.open(c.h0, c.c0);
                    streams.add(c.stream);
                    c.result.complete(null);
                }
                case READ -> {
                    if (c.stream.slot < 0) {
                        throw new StreamClosedException("stream " + c.stream.id() + " is closed", null);
                    }
                    c.result.complete(slots.read(c.stream.slot));
                }
                case CLOSE -> freeSlot(c.stream);
            }
        } catch (RuntimeException | Error e) {
            c.result.completeExceptionally(e);
        }
    }

    /** Frees a closed stream's slot (once). */
    private void freeSlot(SessionStream stream) {
        if (stream.slot >= 0) {
            slots.release(stream.slot);
            stream.slot = -1;
            streams.remove(stream);
        }
    }

    /** Stops counting a stream the session closes itself (idle, failed); run under the stream's lock. */
    private void stopCounting() {
        openStreams.decrementAndGet();
    }

    private void expireIdleStreams() {
        Duration idle = options.streamIdleTimeout();
        if (idle == null || streams.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (SessionStream s : streams) {
            if (s.expireIfIdle(now, idle.toNanos(), this::stopCounting)) {
                freeSlot(s);
            }
        }
    }

    private void runFeeds(List<Feed> batch) {
        int B = batch.size();
        long start = System.nanoTime();
        boolean scattering = false;
        try {
            int T = 0;
            int[] slotsOf = new int[B];
            int[] lengths = new int[B];
            for (int b = 0; b < B; b++) {
                Feed f = batch.get(b);
                T = Math.max(T, f.steps);
                slotsOf[b] = f.stream.slot;
                lengths[b] = f.steps;
            }
            int in = spec.inputSize();
            float[] x = new float[T * B * in];
            for (int b = 0; b < B; b++) {
                Feed f = batch.get(b);
                for (int t = 0; t < f.steps; t++) {
                    System.arraycopy(f.x, t * in, x, (t * B + b) * in, in);
                }
            }
            long inputFloats = (long) T * B * in;
            if (streamInput == null || streamInput.size() < inputFloats) {
                if (streamInput != null) {
                    streamInput.close();
                    streamInput = null;
                }
                streamInput = backend.allocate(inputFloats);
            }
            backend.upload(x, 0, streamInput, 0, x.length);
            slots.gather(slotsOf, B);
            DeviceBuffer y = layer.forwardOnDevice(streamInput, T, B, lengths, slots.blockH(), slots.blockC());
            int O = spec.outputSize();
            float[] out = new float[T * B * O];
            backend.download(y, 0, out, 0, out.length);
            scattering = true;
            slots.scatter(layer.finalHiddenOnDevice(), spec.cell().hasCellState() ? layer.finalCellOnDevice() : null);
            float[][] outputs = new float[B][];
            long steps = 0;
            for (int b = 0; b < B; b++) {
                Feed f = batch.get(b);
                outputs[b] = new float[f.steps * O];
                for (int t = 0; t < f.steps; t++) {
                    System.arraycopy(out, (t * B + b) * O, outputs[b], t * O, O);
                }
                steps += f.steps;
            }
            // Counted before anyone hears back, so a caller's stats() after its result includes its batch.
            streamSteps.addAndGet(steps);
            record(batch, start, System.nanoTime());
            for (int b = 0; b < B; b++) {
                batch.get(b).result.complete(outputs[b]);
            }
        } catch (RuntimeException | Error e) {
            for (Feed f : batch) {
                if (scattering && f.stream.markClosed("a failure while its state was written back", e,
                        this::stopCounting)) {
                    freeSlot(f.stream);
                }
                f.result.completeExceptionally(e);
            }
        }
    }

    private void runRequests(List<Pending> batch) {
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
            SequenceResult[] results = new SequenceResult[B];
            for (int b = 0; b < B; b++) {
                Pending p = batch.get(b);
                float[] y = new float[p.steps * O];
                for (int t = 0; t < p.steps; t++) {
                    System.arraycopy(out.output(), (t * B + b) * O, y, t * O, O);
                }
                results[b] = new SequenceResult(y, gatherState(out.hN(), ld, B, b, S),
                        out.cN() == null ? null : gatherState(out.cN(), ld, B, b, H));
            }
            record(batch, start, System.nanoTime());
            for (int b = 0; b < B; b++) {
                batch.get(b).result.complete(results[b]);
            }
        } catch (RuntimeException | Error e) {
            for (Pending p : batch) {
                p.result.completeExceptionally(e);
            }
        }
    }

    private void record(List<? extends Work> batch, long start, long end) {
        long took = end - start;
        computeAverageNanos = computeAverageNanos < 0 ? took : (3 * computeAverageNanos + took) / 4;
        batches.incrementAndGet();
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        synchronized (queueWaitNanos) {
            batchSizes.recordValue(batch.size());
            for (Work w : batch) {
                queueWaitNanos.recordValue(Math.max(0, start - w.submitted));
                computeNanos.recordValue(end - start);
                endToEndNanos.recordValue(Math.max(0, end - w.submitted));
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

    private static void fail(Work w, RuntimeException e) {
        if (w instanceof Pending p) {
            p.result.completeExceptionally(e);
        } else if (w instanceof Feed f) {
            f.result.completeExceptionally(e);
        } else if (w instanceof StreamControl c) {
            c.result.completeExceptionally(e);
        }
    }

    /**
     * Stops taking requests and feeds, waits until every one queued before it has run (a session whose dispatcher
     * never started fails them with {@link SessionClosedException} instead), closes the streams still open, and
     * releases the layer and the slot table; the backend stays open, as the caller owns it. Idempotent.
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
        for (Work w; (w = queue.poll()) != null; ) {
            if (w != CLOSE) {
                fail(w, new SessionClosedException("the session was closed before this request ran"));
            }
        }
        for (SessionStream s : streams) {
            s.markClosed("the session was closed", null);
        }
        streams.clear();
        openStreams.set(0);
        if (slots != null) {
            slots.close();
        }
        if (streamInput != null) {
            streamInput.close();
        }
        layer.close();
    }
}
