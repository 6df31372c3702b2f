package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * Truncated backpropagation through time with separate strides, TBPTT(k1, k2) (Williams and Peng, 1990): over a
 * batch of long streams, every {@code k1} new steps the model is updated on the loss of those {@code k1} steps,
 * backpropagated through the last {@code k2 ≥ k1} steps. Each update runs the model over the window of the last
 * {@code k2} steps from the stored state at the window's start, with the targets of the {@code k2 − k1} older steps
 * masked; the state at the next window's start is then advanced by an inference pass (no dropout, the weights of
 * that moment) over the steps the window slides by. With {@code k1 = k2} this is the usual carried-state training
 * ({@link SequenceModel#setCarryState}), at the cost of that extra forward; with {@code k2 > k1} each step's loss sees
 * up to {@code k2} steps of gradient history instead of between 1 and {@code k1}.
 *
 * <p>The model must be a unidirectional every-step cross-entropy model (a language model): a backward direction has
 * no state to carry along a stream, and the older steps' targets are masked with −1. It sets the model's initial
 * state ({@link SequenceModel#setInitialState}) during its own calls only and clears it (to zeros) after each, so
 * that validation and sampling between updates are not fed the stream's state.
 */
public final class TruncatedBptt implements AutoCloseable {
    private final SequenceModel model;
    private final Backend backend;
    private final int k1;
    private final int k2;
    private SequenceModel.Batch stream;
    private int position;
    private int windowStart;
    private DeviceBuffer hStart;
    private DeviceBuffer cStart;
    private DeviceBuffer hNext;
    private DeviceBuffer cNext;

    /**
     * @param k1 steps between updates (each update's loss covers these)
     * @param k2 steps each update backpropagates through, {@code ≥ k1}
     * @throws IllegalArgumentException for {@code k1 < 1}, {@code k2 < k1}, or a model this cannot train
     */
    public TruncatedBptt(SequenceModel model, int k1, int k2) {
        this.model = Objects.requireNonNull(model, "model");
        this.backend = model.backend();
        if (k1 < 1 || k2 < k1) {
            throw new IllegalArgumentException("truncated BPTT needs 1 <= k1 <= k2, got k1=" + k1 + ", k2=" + k2);
        }
        SequenceModel.Config c = model.config();
        if (c.rnn().directions() != 1) {
            throw new IllegalArgumentException("truncated BPTT over streams needs a unidirectional model: a backward"
                    + " direction has no state to carry from one window to the next");
        }
        if (c.head() != SequenceModel.Head.EVERY_STEP || c.loss() != SequenceModel.Loss.CROSS_ENTROPY) {
            throw new IllegalArgumentException("truncated BPTT needs a model with the head on every step and"
                    + " cross-entropy (the older steps of a window are masked with target -1); got " + c.head()
                    + " and " + c.loss());
        }
        this.k1 = k1;
        this.k2 = k2;
    }

    /**
     * Starts over on {@code stream}: {@code steps} is the streams' length, {@code batch} their number, tokens (or
     * dense inputs) and classes for every step and row, no lengths (streams are as long as each other; −1 targets
     * are allowed and count nowhere). The state goes back to zeros.
     */
    public void start(SequenceModel.Batch stream) {
        requireStream(stream);
        this.stream = stream;
        this.position = 0;
        this.windowStart = 0;
        allocateStates(stream.batch());
    }

    /** A stream this model can train on: no lengths, classes and tokens (or inputs) for every step and row. */
    private void requireStream(SequenceModel.Batch stream) {
        Objects.requireNonNull(stream, "stream");
        if (stream.lengths() != null) {
            throw new IllegalArgumentException("streams have no lengths: split ragged streams into equal ones");
        }
        int rows = stream.steps() * stream.batch();
        if (stream.classes() == null || stream.classes().length != rows) {
            throw new IllegalArgumentException("the stream needs classes [T·B] = " + rows);
        }
        boolean tokens = model.config().vocabulary() > 0;
        long need = tokens ? rows : (long) rows * model.config().rnn().inputSize();
        long have = tokens ? (stream.tokens() == null ? -1 : stream.tokens().length)
                : (stream.inputs() == null ? -1 : stream.inputs().length);
        if (have != need) {
            throw new IllegalArgumentException("the stream needs " + (tokens ? "tokens [T·B] = " : "inputs [T·B·I] = ")
                    + need + ", got " + (have < 0 ? "none" : have));
        }
    }

    /** Whether steps remain to train on. */
    public boolean hasNext() {
        return stream != null && position < stream.steps();
    }

    /** Steps consumed so far. */
    public int position() {
        return position;
    }

    /**
     * Where a run over a stream stands, for a checkpoint: the strides, the steps consumed, the start of the window
     * the next update reaches back to and the model's state there ({@code h} and, for LSTMs, {@code c}, in
     * {@link SequenceModel#setInitialState}'s layout), and a fingerprint of the stream so that resuming on other data
     * is refused rather than silently continued.
     */
    public record Progress(int k1, int k2, int position, int windowStart, long streamFingerprint, float[] h,
                           float[] c) {
        public Progress {
            if (k1 < 1 || k2 < k1 || windowStart < 0 || position < windowStart || h == null) {
                throw new IllegalArgumentException("inconsistent truncated-BPTT progress: k1=" + k1 + ", k2=" + k2
                        + ", position=" + position + ", windowStart=" + windowStart);
            }
        }
    }

    /** The run's progress over the current stream, downloaded from the device. */
    public Progress progress() {
        if (stream == null) {
            throw new IllegalStateException("no stream: call start first");
        }
        return new Progress(k1, k2, position, windowStart, fingerprint(stream), download(hStart), download(cStart));
    }

    /**
     * Continues a run from {@code progress} (from {@link #progress()}, typically through a {@link Checkpoint}) over
     * {@code stream}, which must be the stream it was taken on: the next update is the one the interrupted run would
     * have made next.
     *
     * @throws IllegalArgumentException when the strides, the stream or the states' sizes differ from the run's
     */
    public void resume(SequenceModel.Batch stream, Progress progress) {
        Objects.requireNonNull(progress, "progress");
        requireStream(stream);
        // Everything is checked before the run changes: a refused progress leaves it as it was.
        if (progress.k1() != k1 || progress.k2() != k2) {
            throw new IllegalArgumentException("the progress is of TBPTT(" + progress.k1() + ", " + progress.k2()
                    + ") but this run is TBPTT(" + k1 + ", " + k2 + ")");
        }
        long fingerprint = fingerprint(stream);
        if (progress.streamFingerprint() != fingerprint) {
            throw new IllegalArgumentException("the progress was taken on another stream (fingerprint "
                    + Long.toHexString(progress.streamFingerprint()) + ", this one's " + Long.toHexString(fingerprint)
                    + "): resume on the same data in the same order");
        }
        if (progress.position() > stream.steps()) {
            throw new IllegalArgumentException("the progress is at step " + progress.position() + " of a stream of "
                    + stream.steps());
        }
        RnnSpec spec = model.config().rnn();
        requireState("h", progress.h(), spec.hiddenStateFloats(stream.batch()), stream.batch());
        requireState("c", progress.c(), spec.cell().hasCellState() ? spec.cellStateFloats(stream.batch()) : 0,
                stream.batch());
        start(stream);
        backend.upload(progress.h(), 0, hStart, 0, progress.h().length);
        if (cStart != null) {
            backend.upload(progress.c(), 0, cStart, 0, progress.c().length);
        }
        this.position = progress.position();
        this.windowStart = progress.windowStart();
    }

    private static void requireState(String name, float[] values, long want, int batch) {
        long got = values == null ? 0 : values.length;
        if (want != got) {
            throw new IllegalArgumentException("the progress holds " + got + " values of " + name + "; this model's "
                    + name + " over " + batch + " streams has " + want);
        }
        if (values != null) {
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("the progress's " + name + " holds " + v);
                }
            }
        }
    }

    private float[] download(DeviceBuffer d) {
        if (d == null) {
            return null;
        }
        float[] v = new float[Math.toIntExact(d.size())];
        backend.download(d, 0, v, 0, v.length);
        return v;
    }

    /** A 64-bit digest of a stream's shape and contents (FNV-1a over every value), as {@link Progress} records it. */
    public static long fingerprint(SequenceModel.Batch s) {
        long h = 0xcbf29ce484222325L;
        h = mix(mix(h, s.steps()), s.batch());
        if (s.tokens() != null) {
            for (int v : s.tokens()) {
                h = mix(h, v);
            }
        }
        if (s.inputs() != null) {
            for (float v : s.inputs()) {
                h = mix(h, Float.floatToIntBits(v));
            }
        }
        for (int v : s.classes()) {
            h = mix(h, v);
        }
        return h;
    }

    private static long mix(long h, int v) {
        for (int i = 0; i < 4; i++) {
            h ^= (v >>> (8 * i)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The next update: gradients of the next {@code k1} steps' loss, clipping, optimizer step. Returns the loss. */
    public double trainNext(Optimizer optimizer, double clipNorm) {
        double loss = computeNextGradients();
        model.applyGradients(optimizer, clipNorm);
        return loss;
    }

    /**
     * Sets every gradient to that of the mean loss of the next {@code k1} steps (fewer at the stream's end),
     * backpropagated through those and the {@code k2 − k1} before them (fewer at the stream's start), and moves on.
     * Returns that loss.
     *
     * @throws IllegalStateException when the stream is exhausted or was never started
     */
    public double computeNextGradients() {
        if (!hasNext()) {
            throw new IllegalStateException(stream == null ? "no stream: call start first" : "the stream is exhausted");
        }
        int end = Math.min(position + k1, stream.steps());
        int nextStart = end < stream.steps() ? Math.max(0, end + k1 - k2) : windowStart;
        double loss;
        try {
            if (nextStart > windowStart) {
                // State at the next window's start, from this window's: only the steps the window slides by.
                model.setInitialState(hStart, cStart);
                model.predict(slice(windowStart, nextStart, windowStart));
                DeviceBuffer[] fin = model.finalStatesOnDevice();
                backend.primitives().copy(fin[0], 0, hNext, 0, hNext.size());
                if (cNext != null) {
                    backend.primitives().copy(fin[1], 0, cNext, 0, cNext.size());
                }
            }
            model.setInitialState(hStart, cStart);
            loss = model.computeGradients(slice(windowStart, end, position));
        } finally {
            // Outside its own calls the model starts from zeros again (validation, sampling).
            model.setInitialState(null, null);
        }
        if (nextStart > windowStart) {
            DeviceBuffer t = hStart;
            hStart = hNext;
            hNext = t;
            t = cStart;
            cStart = cNext;
            cNext = t;
            windowStart = nextStart;
        }
        position = end;
        return loss;
    }

    /** Steps {@code [from, to)} of the stream, targets before {@code lossFrom} masked. */
    private SequenceModel.Batch slice(int from, int to, int lossFrom) {
        int b = stream.batch();
        int[] tokens = stream.tokens() == null ? null : Arrays.copyOfRange(stream.tokens(), from * b, to * b);
        int in = model.config().rnn().inputSize();
        float[] inputs = stream.inputs() == null ? null
                : Arrays.copyOfRange(stream.inputs(), from * b * in, to * b * in);
        int[] classes = Arrays.copyOfRange(stream.classes(), from * b, to * b);
        Arrays.fill(classes, 0, (lossFrom - from) * b, -1);
        return new SequenceModel.Batch(to - from, b, tokens, inputs, null, classes, null);
    }

    private void allocateStates(int batch) {
        releaseStates();
        RnnSpec s = model.config().rnn();
        hStart = zeros(s.hiddenStateFloats(batch));
        hNext = zeros(s.hiddenStateFloats(batch));
        if (s.cell().hasCellState()) {
            cStart = zeros(s.cellStateFloats(batch));
            cNext = zeros(s.cellStateFloats(batch));
        }
    }

    private DeviceBuffer zeros(long n) {
        DeviceBuffer d = backend.allocate(n);
        backend.primitives().fill(d, 0, n, 0f);
        return d;
    }

    private void releaseStates() {
        model.setInitialState(null, null);
        for (DeviceBuffer d : new DeviceBuffer[] {hStart, cStart, hNext, cNext}) {
            if (d != null) {
                d.close();
            }
        }
        hStart = cStart = hNext = cNext = null;
    }

    @Override
    public void close() {
        releaseStates();
        stream = null;
    }
}
