package dev.rnn4j;

import dev.rnn4j.internal.bptt.BpttDriver;
import dev.rnn4j.internal.bptt.DeviceParameters;
import dev.rnn4j.internal.bptt.Workspace;
import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stack of recurrent layers ({@link RnnSpec}) with its weights on a {@link Backend}: forward for inference and
 * for training, backward for the gradients of the input, the initial states and every weight and bias.
 *
 * <pre>{@code
 * try (Backend backend = Backends.open();
 *      RecurrentLayer lstm = RecurrentLayer.create(backend, spec, RnnParameters.uniform(spec, 42))) {
 *     RnnOutput out = lstm.forwardTraining(RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths));
 *     LayerGradients g = lstm.backward(new OutputGradients(dLossDOutput, null, null));
 * }
 * }</pre>
 *
 * <p>Training is two steps, as in cuDNN: {@link #backwardData} (input and state gradients; keeps the gate gradients)
 * then {@link #backwardWeights} (into the layer's gradient accumulators, overwriting or adding, so gradients can
 * accumulate over micro-batches), read with {@link #gradients()}; {@link #backward} does all three. Backward applies
 * to the most recent {@link #forwardTraining} call.
 *
 * <p>Weights for inference may be held in reduced precision, {@link WeightPrecision#BFLOAT16} or
 * {@link WeightPrecision#INT8} ({@link #create(Backend, RnnSpec, RnnParameters, LayerOptions)}): the layer then
 * computes as a float32 layer with the rounded weights, reading half or a quarter of the bytes per step where the
 * backend keeps them compactly (the CPU backend, for batches of one and two rows), and refuses to train.
 *
 * <p>Threads: a layer owns its workspaces and serves one thread at a time; a call made while another thread is
 * inside the layer fails at once with {@link IllegalStateException} instead of corrupting results. For concurrent
 * inference give each thread a {@link #copy()}, which shares the device weights. Workspaces are planned for the
 * largest shape seen and reused; nothing is reallocated while shapes fit.
 */
public final class RecurrentLayer implements AutoCloseable {
    /** The values of an input whose shape alone is being checked. */
    private static final float[] NO_VALUES = new float[0];
    private static final Logger LOG = LoggerFactory.getLogger(RecurrentLayer.class);
    /** Backend and precision pairs already told about: a service creating many layers hears it once. */
    private static final java.util.Set<String> FALLBACKS_LOGGED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Backend backend;
    private final RnnSpec spec;
    private final SharedWeights weights;
    private final BpttDriver driver;
    private final AtomicReference<Thread> user = new AtomicReference<>();
    private Workspace inference;
    private Workspace training;
    private DeviceParameters gradientAccumulators;
    private TrainingPass pass;
    private volatile boolean closed;

    /** The shape of the last training forward, and how far its backward has got. */
    private record TrainingPass(int steps, int batch, Layout layout, boolean dataDone) {
    }

    private RecurrentLayer(Backend backend, RnnSpec spec, SharedWeights weights) {
        this.backend = backend;
        this.spec = spec;
        this.weights = weights;
        this.driver = new BpttDriver(backend, spec);
    }

    /**
     * A layer stack on {@code backend} with the given weights (copied to the device).
     *
     * @throws IllegalArgumentException if the weights belong to another spec or hold NaN or infinite values
     */
    public static RecurrentLayer create(Backend backend, RnnSpec spec, RnnParameters initialWeights) {
        return create(backend, spec, initialWeights, LayerOptions.defaults());
    }

    /**
     * A layer stack on {@code backend} with the given weights, held as {@code options} say. With weights in
     * reduced precision ({@link LayerOptions#weightPrecision()} other than float32) the layer is for inference:
     * {@link #weights()} gives the rounded values it computes with, and the training calls fail.
     *
     * @throws IllegalArgumentException if the weights belong to another spec or hold NaN or infinite values
     */
    public static RecurrentLayer create(Backend backend, RnnSpec spec, RnnParameters initialWeights,
                                        LayerOptions options) {
        Objects.requireNonNull(backend, "backend must not be null");
        Objects.requireNonNull(spec, "spec must not be null");
        Objects.requireNonNull(options, "options must not be null");
        requireWeights(spec, initialWeights);
        DeviceParameters device = new DeviceParameters(backend, spec);
        try {
            uploadWeights(backend, device, initialWeights, options.weightPrecision());
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
        return new RecurrentLayer(backend, spec, new SharedWeights(device, options));
    }

    private static void uploadWeights(Backend backend, DeviceParameters device, RnnParameters values,
                                      WeightPrecision precision) {
        if (!device.upload(values, precision) && FALLBACKS_LOGGED.add(backend.name() + " " + precision)) {
            LOG.info("the {} backend computes {} weights from float32 copies of the rounded values: the same results, "
                    + "not the smaller reads", backend.name(), precision.label());
        }
    }

    private static void requireWeights(RnnSpec spec, RnnParameters w) {
        Objects.requireNonNull(w, "weights must not be null");
        if (!w.spec().equals(spec)) {
            throw new IllegalArgumentException("weights are for " + w.spec() + " but the layer is " + spec);
        }
        w.requireFinite();
    }

    /** How the weights are held. */
    public LayerOptions options() {
        return weights.options;
    }

    /** The spec. */
    public RnnSpec spec() {
        return spec;
    }

    /** The backend it runs on. */
    public Backend backend() {
        return backend;
    }

    /**
     * Another layer on the same backend sharing these device weights (so {@link #setWeights} on either changes
     * both) with its own workspaces: the way to run inference from several threads. Unlike the other methods it may
     * be called from any thread at any time, also while another thread is using this layer (each worker can take its
     * own copy); it fails only once the layer is closed.
     */
    public RecurrentLayer copy() {
        // A copy touches no workspace, only the weights' reference count, which the weights' lock guards against a
        // concurrent close.
        synchronized (weights) {
            if (closed) {
                throw new IllegalStateException("RecurrentLayer used after close");
            }
            weights.retain();
        }
        return new RecurrentLayer(backend, spec, weights);
    }

    /** Replaces the weights (and those of every {@link #copy()}). Invalidates a pending backward. */
    public void setWeights(RnnParameters newWeights) {
        enter();
        try {
            requireWeights(spec, newWeights);
            uploadWeights(backend, weights.device, newWeights, weights.options.weightPrecision());
            pass = null;
        } finally {
            exit();
        }
    }

    /** A host copy of the current weights: with reduced precision, the rounded values the layer computes with. */
    public RnnParameters weights() {
        enter();
        try {
            RnnParameters out = RnnParameters.zeros(spec);
            weights.device.download(out);
            return out;
        } finally {
            exit();
        }
    }

    /** Inference: outputs and final states; keeps nothing for backward. */
    public RnnOutput forward(RnnInput input) {
        enter();
        try {
            validate(input);
            Workspace current = inference;
            inference = null; // a failed re-plan must not leave a closed workspace behind
            inference = fit(current, input.steps(), input.batch(), false);
            return run(inference, input);
        } finally {
            exit();
        }
    }

    /**
     * Inference straight between buffers the caller owns, sequence-major, from zero initial states: {@code x
     * [T, B, I]} is read from its position and {@code output [T, B, D·P]} written from its position, and
     * {@code finalHidden [L·D, B, P]} and {@code finalCell [L·D, B, H]} likewise when not null; no position moves.
     * Direct buffers in the machine's byte order go to and from an OpenCL or CUDA device with no copy on the host;
     * the CPU and reference backends copy each buffer into or out of their own memory once, with no array between.
     *
     * @param lengths each sequence's length (1..T), or null for all T
     * @throws IllegalArgumentException when a buffer has fewer values remaining than its shape needs, or is read-only
     *                                  where it is written
     */
    public void forward(FloatBuffer x, int steps, int batch, int[] lengths, FloatBuffer output,
                        FloatBuffer finalHidden, FloatBuffer finalCell) {
        enter();
        try {
            RnnInput shape = RnnInput.sequenceMajor(NO_VALUES, steps, batch).withLengths(lengths); // checks T, B
            int n = Math.toIntExact((long) steps * batch * spec.inputSize());
            int outputs = Math.toIntExact((long) steps * batch * spec.outputSize());
            int states = spec.hiddenStateFloats(batch);
            int cells = spec.cellStateFloats(batch);
            requireRoom("x [T, B, I]", x, n, false);
            requireRoom("output [T, B, D·P]", output, outputs, true);
            if (finalHidden != null) {
                requireRoom("finalHidden [L·D, B, P]", finalHidden, states, true);
            }
            if (finalCell != null) {
                if (!spec.cell().hasCellState()) {
                    throw new IllegalArgumentException("finalCell was given but " + spec.cell() + " has no cell state");
                }
                requireRoom("finalCell [L·D, B, H]", finalCell, cells, true);
            }
            Workspace current = inference;
            inference = null; // a failed re-plan must not leave a closed workspace behind
            inference = fit(current, steps, batch, false);
            Workspace ws = inference;
            backend.upload(x, ws.input(), 0, n);
            int[] all = new int[batch];
            for (int b = 0; b < batch; b++) {
                all[b] = shape.length(b);
            }
            backend.uploadInts(all, 0, ws.lengths(), 0, batch);
            backend.primitives().fill(ws.initialHidden(), 0, states, 0f);
            if (spec.cell().hasCellState()) {
                backend.primitives().fill(ws.initialCell(), 0, cells, 0f);
            }
            driver.forward(weights.device, ws, steps, batch);
            backend.download(ws.output(), 0, output, outputs);
            if (finalHidden != null) {
                backend.download(ws.finalHidden(), 0, finalHidden, states);
            }
            if (finalCell != null) {
                backend.download(ws.finalCell(), 0, finalCell, cells);
            }
        } finally {
            exit();
        }
    }

    private static void requireRoom(String name, FloatBuffer buffer, int needed, boolean written) {
        Objects.requireNonNull(buffer, name + " must not be null");
        if (written && buffer.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only; the layer writes into it");
        }
        if (buffer.remaining() < needed) {
            throw new IllegalArgumentException(name + " has " + buffer.remaining() + " values remaining; expected "
                    + needed);
        }
    }

    /** Training forward: as {@link #forward}, and keeps the activations backward needs. */
    public RnnOutput forwardTraining(RnnInput input) {
        enter();
        try {
            requireTrainable();
            validate(input);
            pass = null;
            Workspace current = training;
            training = null; // a failed re-plan must not leave a closed workspace behind
            training = fit(current, input.steps(), input.batch(), true);
            lastDevicePass = null;
            RnnOutput out = run(training, input);
            pass = new TrainingPass(input.steps(), input.batch(), input.layout(), false);
            return out;
        } finally {
            exit();
        }
    }

    /**
     * Backward-data for the last {@link #forwardTraining}: gradients of the input and the initial states. Keeps
     * the gate gradients for {@link #backwardWeights}.
     */
    public InputGradients backwardData(OutputGradients upstream) {
        enter();
        try {
            requireTrainable();
            Objects.requireNonNull(upstream, "upstream gradients must not be null (use nulls inside for zeros)");
            if (pass == null) {
                throw new IllegalStateException("backwardData needs a forwardTraining call first");
            }
            int T = pass.steps();
            int B = pass.batch();
            int states = spec.hiddenStateFloats(B);
            int cells = spec.cellStateFloats(B);
            requireLength("gradOutput", upstream.gradOutput(), T * B * spec.outputSize(), true);
            requireLength("gradHn", upstream.gradHn(), states, true);
            requireCellState("gradCn", upstream.gradCn(), cells);
            uploadOrZero(pass.layout().toSequenceMajor(upstream.gradOutput(), T, B, spec.outputSize()),
                    training.outputGradient(), T * B * spec.outputSize());
            uploadOrZero(upstream.gradHn(), training.finalHiddenGradient(), states);
            if (spec.cell().hasCellState()) {
                uploadOrZero(upstream.gradCn(), training.finalCellGradient(), cells);
            }
            driver.backwardData(weights.device, training, T, B);
            float[] dx = new float[T * B * spec.inputSize()];
            backend.download(training.inputGradient(), 0, dx, 0, dx.length);
            float[] dh0 = new float[states];
            backend.download(training.initialHiddenGradient(), 0, dh0, 0, states);
            float[] dc0 = null;
            if (spec.cell().hasCellState()) {
                dc0 = new float[cells];
                backend.download(training.initialCellGradient(), 0, dc0, 0, cells);
            }
            pass = new TrainingPass(T, B, pass.layout(), true);
            return new InputGradients(pass.layout().fromSequenceMajor(dx, T, B, spec.inputSize()), dh0, dc0);
        } finally {
            exit();
        }
    }

    /**
     * Backward-weights for the last {@link #backwardData}: weight and bias gradients into the layer's accumulators,
     * overwriting them, or adding to them when {@code accumulate} (micro-batches). Read them with {@link #gradients()}.
     */
    public void backwardWeights(boolean accumulate) {
        enter();
        try {
            requireTrainable();
            if (pass == null || !pass.dataDone()) {
                throw new IllegalStateException("backwardWeights needs forwardTraining and backwardData first");
            }
            if (gradientAccumulators == null) {
                gradientAccumulators = new DeviceParameters(backend, spec);
                gradientAccumulators.zero();
            }
            driver.backwardWeights(training, gradientAccumulators, pass.steps(), pass.batch(), accumulate);
        } finally {
            exit();
        }
    }

    /** A host copy of the gradient accumulators. */
    public RnnParameters gradients() {
        enter();
        try {
            if (gradientAccumulators == null) {
                throw new IllegalStateException("no gradients yet: call backwardWeights first");
            }
            RnnParameters out = RnnParameters.zeros(spec);
            gradientAccumulators.download(out);
            return out;
        } finally {
            exit();
        }
    }

    /** Backward-data, backward-weights (overwriting the accumulators) and a copy of the weight gradients. */
    public LayerGradients backward(OutputGradients upstream) {
        InputGradients inputs = backwardData(upstream);
        backwardWeights(false);
        return new LayerGradients(inputs, gradients());
    }

    // Device-resident use, for models whose other layers live on the backend too (dev.rnn4j.train): inputs and
    // outputs stay in device buffers; nothing crosses to the host but the lengths.

    /**
     * Training forward on device buffers: {@code x} ({@code [T, B, I]} sequence-major, a buffer of this layer's
     * backend) is copied into the workspace; {@code h0}, {@code c0} ({@code [L·D, B, S]}, {@code [L·D, B, H]}) may be
     * null for zeros. Returns the workspace's output {@code [T, B, S·D]}, valid until the next forward;
     * {@link #finalHiddenOnDevice()} and {@link #finalCellOnDevice()} give the final states likewise.
     */
    public DeviceBuffer forwardTrainingOnDevice(DeviceBuffer x, int steps, int batch, int[] lengths, DeviceBuffer h0,
                                                DeviceBuffer c0) {
        enter();
        try {
            requireTrainable();
            pass = null;
            Workspace current = training;
            training = null;
            training = fit(current, steps, batch, true);
            DeviceBuffer out = runOnDevice(training, x, steps, batch, lengths, h0, c0);
            pass = new TrainingPass(steps, batch, Layout.SEQUENCE_MAJOR, false);
            return out;
        } finally {
            exit();
        }
    }

    /** Inference on device buffers, as {@link #forwardTrainingOnDevice}, keeping nothing for backward. */
    public DeviceBuffer forwardOnDevice(DeviceBuffer x, int steps, int batch, int[] lengths, DeviceBuffer h0,
                                        DeviceBuffer c0) {
        enter();
        try {
            Workspace current = inference;
            inference = null;
            inference = fit(current, steps, batch, false);
            lastDevicePass = inference;
            return runOnDevice(inference, x, steps, batch, lengths, h0, c0);
        } finally {
            exit();
        }
    }

    /** The workspace whose final states the last forward wrote. */
    private Workspace lastDevicePass;

    /** {@code [L·D, B, S]} final hidden states of the last forward on device buffers (valid until the next one). */
    public DeviceBuffer finalHiddenOnDevice() {
        return requireDevicePass().finalHidden();
    }

    /** {@code [L·D, B, H]} final cell states (LSTM) of the last forward on device buffers. */
    public DeviceBuffer finalCellOnDevice() {
        return requireDevicePass().finalCell();
    }

    private Workspace requireDevicePass() {
        if (lastDevicePass == null) {
            throw new IllegalStateException("no forward on device buffers yet");
        }
        return lastDevicePass;
    }

    /**
     * Backward-data on device buffers for the last {@link #forwardTrainingOnDevice}: {@code dY}
     * ({@code [T, B, S·D]}), {@code dHn}, {@code dCn} may each be null for zeros. Returns the input gradient
     * {@code [T, B, I]} in the workspace (valid until the next backward); the initial states' gradients are in
     * {@link #initialStateGradientsOnDevice}.
     */
    public DeviceBuffer backwardDataOnDevice(DeviceBuffer dY, DeviceBuffer dHn, DeviceBuffer dCn) {
        enter();
        try {
            requireTrainable();
            if (pass == null) {
                throw new IllegalStateException("backwardDataOnDevice needs a forwardTrainingOnDevice call first");
            }
            int T = pass.steps();
            int B = pass.batch();
            copyOrZero(dY, training.outputGradient(), (long) T * B * spec.outputSize());
            copyOrZero(dHn, training.finalHiddenGradient(), spec.hiddenStateFloats(B));
            if (spec.cell().hasCellState()) {
                copyOrZero(dCn, training.finalCellGradient(), spec.cellStateFloats(B));
            }
            driver.backwardData(weights.device, training, T, B);
            pass = new TrainingPass(T, B, pass.layout(), true);
            return training.inputGradient();
        } finally {
            exit();
        }
    }

    /** {@code {dH0, dC0}} of the last backward on device buffers ({@code dC0} null unless LSTM). */
    public DeviceBuffer[] initialStateGradientsOnDevice() {
        if (training == null) {
            throw new IllegalStateException("no backward yet");
        }
        return new DeviceBuffer[] {training.initialHiddenGradient(), training.initialCellGradient()};
    }

    /**
     * The weights and their gradient accumulators as trainable tensors, names prefixed with {@code prefix}
     * (PyTorch's names after it): what an optimizer updates in place. The accumulators exist (zeroed) from here on.
     */
    public java.util.List<dev.rnn4j.train.TrainableTensor> trainableTensors(String prefix) {
        enter();
        try {
            requireTrainable();
            if (gradientAccumulators == null) {
                gradientAccumulators = new DeviceParameters(backend, spec);
                gradientAccumulators.zero();
            }
            java.util.List<dev.rnn4j.train.TrainableTensor> out = new java.util.ArrayList<>();
            for (Parameter p : RnnParameters.describe(spec)) {
                out.add(new dev.rnn4j.train.TrainableTensor(prefix + p.name(),
                        weights.device.buffer(p.kind(), p.layer(), p.direction()),
                        gradientAccumulators.buffer(p.kind(), p.layer(), p.direction()), p.shape()));
            }
            return out;
        } finally {
            exit();
        }
    }

    private DeviceBuffer runOnDevice(Workspace ws, DeviceBuffer x, int steps, int batch, int[] lengths,
                                     DeviceBuffer h0, DeviceBuffer c0) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("steps and batch must be >= 1, got " + steps + " and " + batch);
        }
        long n = (long) steps * batch * spec.inputSize();
        if (x.size() < n) {
            throw new IllegalArgumentException("x holds " + x.size() + " floats; [T=" + steps + ", B=" + batch + ", I="
                    + spec.inputSize() + "] needs " + n);
        }
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) {
            len[b] = lengths == null ? steps : lengths[b];
            if (len[b] < 1 || len[b] > steps) {
                throw new IllegalArgumentException("lengths[" + b + "] = " + len[b] + " is out of range 1.." + steps);
            }
        }
        backend.primitives().copy(x, 0, ws.input(), 0, n);
        backend.uploadInts(len, 0, ws.lengths(), 0, batch);
        copyOrZero(h0, ws.initialHidden(), spec.hiddenStateFloats(batch));
        if (spec.cell().hasCellState()) {
            copyOrZero(c0, ws.initialCell(), spec.cellStateFloats(batch));
        }
        driver.forward(weights.device, ws, steps, batch);
        lastDevicePass = ws;
        return ws.output();
    }

    private void copyOrZero(DeviceBuffer src, DeviceBuffer dst, long n) {
        if (src == null) {
            backend.primitives().fill(dst, 0, n, 0f);
        } else {
            if (src.size() < n) {
                throw new IllegalArgumentException("a buffer of " + src.size() + " floats where " + n + " are needed");
            }
            backend.primitives().copy(src, 0, dst, 0, n);
        }
    }

    /**
     * Dropout between stacked layers in training passes (PyTorch's {@code nn.LSTM(dropout=p)}): the outputs of every
     * layer but the top are dropped with probability {@code p} (inverted: kept ones scaled by 1/(1−p)); the masks of
     * the next training forward come from {@code seed} and its backward reuses them. Inference never drops.
     */
    public void setDropout(float p, long seed) {
        enter();
        try {
            driver.setDropout(p, seed);
        } finally {
            exit();
        }
    }

    /** Bytes of device memory this layer's workspaces hold (not counting weights). */
    public long workspaceBytes() {
        return (inference == null ? 0 : inference.bytes()) + (training == null ? 0 : training.bytes());
    }

    private RnnOutput run(Workspace ws, RnnInput in) {
        int T = in.steps();
        int B = in.batch();
        int states = spec.hiddenStateFloats(B);
        int cells = spec.cellStateFloats(B);
        float[] x = in.layout().toSequenceMajor(in.x(), T, B, spec.inputSize());
        backend.upload(x, 0, ws.input(), 0, x.length);
        int[] lengths = new int[B];
        for (int b = 0; b < B; b++) {
            lengths[b] = in.length(b);
        }
        backend.uploadInts(lengths, 0, ws.lengths(), 0, B);
        uploadOrZero(in.h0(), ws.initialHidden(), states);
        if (spec.cell().hasCellState()) {
            uploadOrZero(in.c0(), ws.initialCell(), cells);
        }
        driver.forward(weights.device, ws, T, B);
        float[] y = new float[T * B * spec.outputSize()];
        backend.download(ws.output(), 0, y, 0, y.length);
        float[] hN = new float[states];
        backend.download(ws.finalHidden(), 0, hN, 0, states);
        float[] cN = null;
        if (spec.cell().hasCellState()) {
            cN = new float[cells];
            backend.download(ws.finalCell(), 0, cN, 0, cells);
        }
        return new RnnOutput(in.layout().fromSequenceMajor(y, T, B, spec.outputSize()), hN, cN, in.layout());
    }

    private void uploadOrZero(float[] values, DeviceBuffer dst, int n) {
        if (values == null) {
            backend.primitives().fill(dst, 0, n, 0f);
        } else {
            backend.upload(values, 0, dst, 0, n);
        }
    }

    /** {@code current} if the shape fits, else a larger workspace (the old one is closed first to free memory). */
    private Workspace fit(Workspace current, int steps, int batch, boolean forTraining) {
        if (current != null && current.fits(steps, batch, forTraining)) {
            return current;
        }
        int rows = Math.multiplyExact(steps, batch);
        int batchCapacity = batch;
        if (current != null) {
            rows = Math.max(rows, current.rowCapacity());
            batchCapacity = Math.max(batch, current.batchCapacity());
            current.close();
        }
        return new Workspace(backend, spec, rows, batchCapacity, forTraining);
    }

    private void validate(RnnInput in) {
        Objects.requireNonNull(in, "input must not be null");
        int T = in.steps();
        int B = in.batch();
        long expected = (long) T * B * spec.inputSize();
        if (in.x().length != expected) {
            throw new IllegalArgumentException("input x has " + in.x().length + " values; expected "
                    + (in.layout() == Layout.SEQUENCE_MAJOR ? "[T=" + T + ", B=" + B : "[B=" + B + ", T=" + T)
                    + ", I=" + spec.inputSize() + "] = " + expected);
        }
        requireLength("h0", in.h0(), spec.hiddenStateFloats(B), true);
        requireCellState("c0", in.c0(), spec.cellStateFloats(B));
    }

    private void requireLength(String name, float[] values, long expected, boolean optional) {
        if (values == null) {
            if (!optional) {
                throw new IllegalArgumentException(name + " must not be null");
            }
            return;
        }
        if (values.length != expected) {
            throw new IllegalArgumentException(name + " has " + values.length + " values; expected " + expected
                    + " for " + spec);
        }
    }

    private void requireCellState(String name, float[] values, int states) {
        if (values != null && !spec.cell().hasCellState()) {
            throw new IllegalArgumentException(name + " was given but " + spec.cell() + " has no cell state");
        }
        requireLength(name + " [L·D, B, H]", values, states, true); // H: the cell state is never projected
    }

    /** Training updates float32 weights; rounded ones would lose every update smaller than their last bit. */
    private void requireTrainable() {
        WeightPrecision p = weights.options.weightPrecision();
        if (p != WeightPrecision.FLOAT32) {
            throw new IllegalStateException("this layer holds " + p.label() + " weights and is for inference only; "
                    + "train a layer created with float32 weights (LayerOptions.defaults()) and create the "
                    + p.label() + " one from its weights");
        }
    }

    private void enter() {
        Thread me = Thread.currentThread();
        if (!user.compareAndSet(null, me)) {
            Thread other = user.get();
            throw new IllegalStateException(other == me
                    ? "RecurrentLayer re-entered on the same thread"
                    : "RecurrentLayer is in use by thread '" + (other == null ? "?" : other.getName())
                    + "'; a layer serves one thread at a time: give each thread its own copy()");
        }
        if (closed) {
            user.set(null);
            throw new IllegalStateException("RecurrentLayer used after close");
        }
    }

    private void exit() {
        user.set(null);
    }

    /** Frees the workspaces and gradient accumulators, and the weights once no copy uses them. Idempotent. */
    @Override
    public void close() {
        if (!user.compareAndSet(null, Thread.currentThread())) {
            throw new IllegalStateException("RecurrentLayer closed while in use by thread '" + user.get() + "'");
        }
        try {
            synchronized (weights) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (inference != null) {
                inference.close();
            }
            if (training != null) {
                training.close();
            }
            if (gradientAccumulators != null) {
                gradientAccumulators.close();
            }
            weights.release();
        } finally {
            user.set(null);
        }
    }

    /** Device weights shared by a layer and its copies; freed when the last one closes. */
    private static final class SharedWeights {
        final DeviceParameters device;
        final LayerOptions options;
        private final AtomicInteger references = new AtomicInteger(1);

        SharedWeights(DeviceParameters device, LayerOptions options) {
            this.device = device;
            this.options = options;
        }

        void retain() {
            references.incrementAndGet();
        }

        void release() {
            if (references.decrementAndGet() == 0) {
                device.close();
            }
        }
    }

    @Override
    public String toString() {
        WeightPrecision p = weights.options.weightPrecision();
        return "RecurrentLayer[" + spec + " on " + backend.name()
                + (p == WeightPrecision.FLOAT32 ? "" : ", " + p.label() + " weights") + "]";
    }
}
