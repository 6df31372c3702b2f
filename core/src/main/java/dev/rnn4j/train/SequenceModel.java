package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A small sequential model that owns its parameters and gradients on one backend: token embedding (or dense
 * inputs) → recurrent layer stack → dropout → linear head, with softmax cross-entropy or squared error. The head
 * reads every step (language models, tagging) or each sequence's last step, i.e. the top layer's final states
 * (classification, forecasting). Every activation and gradient stays on the device; per step only the inputs,
 * targets and one loss per row cross to and from the host.
 *
 * <p>State: with {@link #setCarryState(boolean)} the final states of one call become the initial states of the
 * next (streaming inference over a batch of independent streams; truncated BPTT with k1 = k2 = the call's steps;
 * {@link TruncatedBptt} for k1 &lt; k2);
 * {@link #resetState(int)} zeroes one stream's.
 */
public final class SequenceModel implements AutoCloseable {
    /** Where the head reads. */
    public enum Head { EVERY_STEP, LAST_STEP }

    /** What the head's output is trained against. */
    public enum Loss { CROSS_ENTROPY, SQUARED_ERROR }

    /**
     * The model's shape.
     *
     * @param vocabulary   token vocabulary, or 0 for dense inputs of {@code rnn.inputSize()} features
     * @param rnn          the recurrent stack; with tokens, its input size is the embedding's width
     * @param dropout      in training: on the recurrent outputs before the head, and between stacked recurrent
     *                     layers (PyTorch's {@code nn.LSTM(dropout=p)})
     * @param outputs      the head's outputs: classes for cross-entropy, values for squared error
     * @param head         where the head reads
     * @param loss         the loss
     * @param seed         initialisation and dropout seed
     */
    public record Config(int vocabulary, RnnSpec rnn, float dropout, int outputs, Head head, Loss loss, long seed) {
        public Config {
            Objects.requireNonNull(rnn, "rnn spec");
            if (vocabulary < 0 || outputs < 1) {
                throw new IllegalArgumentException("vocabulary must be >= 0 and outputs >= 1");
            }
        }
    }

    /**
     * One batch, sequence-major: {@code tokens [T·B]} (token models) or {@code inputs [T·B·I]} (dense);
     * {@code lengths [B]} or null for all T; targets: for cross-entropy {@code classes} ({@code [T·B]} every step,
     * −1 past a length; {@code [B]} last step), for squared error {@code values} ({@code [T·B·outputs]} or
     * {@code [B·outputs]}).
     */
    public record Batch(int steps, int batch, int[] tokens, float[] inputs, int[] lengths, int[] classes,
                        float[] values) {
    }

    private final Backend backend;
    private final Config config;
    private final Embedding embedding;
    private final RecurrentLayer rnn;
    private final Dropout dropout;
    private final Linear head;
    private final Losses losses;
    private final DeviceArray ids;
    private final DeviceArray dense;
    private final DeviceArray top;
    private final DeviceArray dHn;
    private final List<TrainableTensor> tensors = new ArrayList<>();
    private DeviceBuffer hState;
    private DeviceBuffer cState;
    private int stateBatch = -1;
    private boolean carry;
    private long dropoutCalls;

    public SequenceModel(Backend backend, Config config) {
        this.backend = backend;
        this.config = config;
        RnnSpec s = config.rnn();
        Random random = new Random(config.seed());
        List<AutoCloseable> made = new ArrayList<>();
        try {
            embedding = config.vocabulary() > 0 ? new Embedding(backend, config.vocabulary(), s.inputSize(),
                    Initializers.normal(config.vocabulary() * s.inputSize(), 1.0, random)) : null;
            made.add(embedding);
            // PyTorch's default initialisation, so that a model here and its twin there start alike.
            rnn = RecurrentLayer.create(backend, s, Initializers.recurrent(s, config.seed(), false, false));
            made.add(rnn);
            int in = s.outputSize();
            double bound = 1 / Math.sqrt(in);
            head = new Linear(backend, in, config.outputs(), Initializers.uniform(in * config.outputs(), bound, random),
                    Initializers.uniform(config.outputs(), bound, random));
            made.add(head);
            dropout = new Dropout(backend, config.dropout());
            losses = new Losses(backend);
            ids = new DeviceArray(backend, true);
            dense = new DeviceArray(backend, false);
            top = new DeviceArray(backend, false);
            dHn = new DeviceArray(backend, false);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable c : made) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception ignored) {
                    // the original failure is the one to report
                }
            }
            throw e;
        }
        if (embedding != null) {
            tensors.addAll(embedding.trainableTensors("embedding."));
        }
        tensors.addAll(rnn.trainableTensors("rnn."));
        tensors.addAll(head.trainableTensors("head."));
    }

    public Config config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** Every parameter tensor with its gradient, in a fixed order: embedding, recurrent stack, head. */
    public List<TrainableTensor> trainableTensors() {
        return List.copyOf(tensors);
    }

    /** How many dropout masks the model has drawn: part of its state for an exact resume. */
    public long dropoutCalls() {
        return dropoutCalls;
    }

    /** Restores {@link #dropoutCalls()} (checkpoints). */
    public void restoreDropoutCalls(long calls) {
        this.dropoutCalls = calls;
    }

    /** Carry final states into the next call (true) or start every call from zeros (false, the default). */
    public void setCarryState(boolean carry) {
        this.carry = carry;
        if (!carry) {
            stateBatch = -1;
        }
    }

    private DeviceBuffer givenH0;
    private DeviceBuffer givenC0;

    /**
     * Initial states for the following calls, from outside (an encoder's final states, say): {@code h0}
     * {@code [L·D, B, S]}, {@code c0} {@code [L·D, B, H]} (LSTM) or nulls to go back to zeros (or carried state).
     * After a backward, {@link #initialStateGradients()} gives their gradients.
     */
    public void setInitialState(DeviceBuffer h0, DeviceBuffer c0) {
        this.givenH0 = h0;
        this.givenC0 = c0;
    }

    /** {@code {dH0, dC0}} of the last backward (dC0 null unless LSTM), on the device. */
    public DeviceBuffer[] initialStateGradients() {
        return rnn.initialStateGradientsOnDevice();
    }

    /**
     * {@code {hN, cN}} of the last forward ({@code [L·D, B, S]} and {@code [L·D, B, H]}; cN null unless LSTM), on
     * the device, valid until the next forward.
     */
    public DeviceBuffer[] finalStatesOnDevice() {
        return new DeviceBuffer[] {rnn.finalHiddenOnDevice(),
                config.rnn().cell().hasCellState() ? rnn.finalCellOnDevice() : null};
    }

    /** Zeroes the carried state of stream {@code row} (a new document, a new conversation). */
    public void resetState(int row) {
        if (stateBatch < 0) {
            return;
        }
        RnnSpec s = config.rnn();
        for (int ld = 0; ld < s.stateLayers(); ld++) {
            backend.primitives().fill(hState, ((long) ld * stateBatch + row) * s.stateSize(), s.stateSize(), 0f);
            if (cState != null) {
                backend.primitives().fill(cState, ((long) ld * stateBatch + row) * s.hiddenSize(), s.hiddenSize(), 0f);
            }
        }
    }

    /** Zeroes every gradient (the recurrent stack's are overwritten by its backward anyway). */
    public void zeroGradients() {
        for (TrainableTensor t : tensors) {
            backend.primitives().fill(t.gradient(), 0, t.size(), 0f);
        }
    }

    /**
     * One training step: forward, loss, backward, gradient clipping by global norm ({@code clipNorm} ≤ 0 for none),
     * optimizer step. Returns the mean loss.
     */
    public double trainStep(Batch b, Optimizer optimizer, double clipNorm) {
        double loss = computeGradients(b);
        applyGradients(optimizer, clipNorm);
        return loss;
    }

    /**
     * The update after gradients are set ({@link #computeGradients} or {@link TruncatedBptt}): gradient clipping by
     * global norm ({@code clipNorm} ≤ 0 for none), then an optimizer step.
     */
    public void applyGradients(Optimizer optimizer, double clipNorm) {
        if (clipNorm > 0) {
            GradientClipping.clipGlobalNorm(backend, tensors, clipNorm);
        }
        optimizer.step(tensors);
    }

    /**
     * Forward (training mode: dropout on), loss and backward, leaving every tensor's gradient set (not
     * accumulated: gradients are zeroed first). Returns the mean loss. {@link #trainStep} is this, clipping and an
     * optimizer step.
     */
    public double computeGradients(Batch b) {
        zeroGradients();
        double loss = forwardAndLoss(b, true, true);
        backward(b);
        return loss;
    }

    /** A host copy of the recurrent layers' weights (the embedding and head are not in it). */
    public dev.rnn4j.RnnParameters recurrentWeights() {
        return rnn.weights();
    }

    /**
     * Replaces the recurrent layers' weights (for instance with {@link dev.rnn4j.RnnParameters#roundedTo rounded}
     * ones, to see what reduced-precision inference would cost); invalidates a pending backward.
     */
    public void setRecurrentWeights(dev.rnn4j.RnnParameters weights) {
        rnn.setWeights(weights);
    }

    /** The mean loss on a batch without training (no dropout, no gradients). */
    public double evaluate(Batch b) {
        return forwardAndLoss(b, false, false);
    }

    /**
     * The head's outputs on a batch (no dropout): {@code [T·B, outputs]} every step or {@code [B, outputs]} last
     * step, on the host. With carried state this is how a language model is sampled one token at a time.
     */
    public float[] predict(Batch b) {
        DeviceBuffer y = forward(b, false);
        int rows = config.head() == Head.EVERY_STEP ? b.steps() * b.batch() : b.batch();
        float[] out = new float[rows * config.outputs()];
        backend.download(y, 0, out, 0, out.length);
        return out;
    }

    private DeviceBuffer input(Batch b) {
        int rows = b.steps() * b.batch();
        if (embedding != null) {
            if (b.tokens() == null || b.tokens().length != rows) {
                throw new IllegalArgumentException("a token model needs tokens [T·B] = " + rows);
            }
            for (int r = 0; r < rows; r++) {
                if (b.tokens()[r] < -1 || b.tokens()[r] >= config.vocabulary()) {
                    throw new IllegalArgumentException("token " + b.tokens()[r] + " at " + r + " is outside -1.."
                            + (config.vocabulary() - 1));
                }
            }
            DeviceBuffer d = ids.get(rows);
            backend.uploadInts(b.tokens(), 0, d, 0, rows);
            return embedding.forward(d, rows);
        }
        int n = rows * config.rnn().inputSize();
        if (b.inputs() == null || b.inputs().length != n) {
            throw new IllegalArgumentException("a dense model needs inputs [T·B·I] = " + n);
        }
        DeviceBuffer d = dense.get(n);
        backend.upload(b.inputs(), 0, d, 0, n);
        return d;
    }

    /** The head's input rows and, for LAST_STEP, how many column blocks (directions) they come in. */
    private int headRows(Batch b) {
        return config.head() == Head.EVERY_STEP ? b.steps() * b.batch() : b.batch();
    }

    private DeviceBuffer headInput;
    private int headBlocks;

    private DeviceBuffer forward(Batch b, boolean training) {
        RnnSpec s = config.rnn();
        DeviceBuffer x = input(b);
        prepareState(b.batch());
        DeviceBuffer h0 = givenH0 != null ? givenH0 : carry ? hState : null;
        DeviceBuffer c0 = givenH0 != null ? givenC0 : carry ? cState : null;
        if (training && config.dropout() > 0 && s.layers() > 1) {
            rnn.setDropout(config.dropout(), config.seed() * 131 + dropoutCalls);
        }
        DeviceBuffer out = training ? rnn.forwardTrainingOnDevice(x, b.steps(), b.batch(), b.lengths(), h0, c0)
                : rnn.forwardOnDevice(x, b.steps(), b.batch(), b.lengths(), h0, c0);
        if (carry) {
            backend.primitives().copy(rnn.finalHiddenOnDevice(), 0, hState, 0, s.hiddenStateFloats(b.batch()));
            if (cState != null) {
                backend.primitives().copy(rnn.finalCellOnDevice(), 0, cState, 0, s.cellStateFloats(b.batch()));
            }
        }
        int rows = headRows(b);
        DeviceBuffer features;
        if (config.head() == Head.EVERY_STEP) {
            features = out;
            headBlocks = 1;
        } else {
            // The top layer's final states, direction blocks one after another: [D, B, S].
            long n = (long) s.directions() * b.batch() * s.stateSize();
            features = top.get(n);
            backend.primitives().copy(rnn.finalHiddenOnDevice(), (long) (s.layers() - 1) * n, features, 0, n);
            headBlocks = s.directions();
        }
        headInput = dropout.forward(features, (long) rows * s.outputSize(), training, config.seed() * 31
                + (training ? dropoutCalls++ : dropoutCalls));
        return head.forward(headInput, 0, rows, headBlocks);
    }

    private void prepareState(int batch) {
        if (!carry || stateBatch == batch) {
            return;
        }
        RnnSpec s = config.rnn();
        if (hState != null) {
            hState.close();
        }
        if (cState != null) {
            cState.close();
            cState = null;
        }
        hState = backend.allocate(s.hiddenStateFloats(batch));
        backend.primitives().fill(hState, 0, hState.size(), 0f);
        if (s.cell().hasCellState()) {
            cState = backend.allocate(s.cellStateFloats(batch));
            backend.primitives().fill(cState, 0, cState.size(), 0f);
        }
        stateBatch = batch;
    }

    private double forwardAndLoss(Batch b, boolean training, boolean withGradient) {
        DeviceBuffer y = forward(b, training);
        int rows = headRows(b);
        if (config.loss() == Loss.CROSS_ENTROPY) {
            if (b.classes() == null || b.classes().length != rows) {
                throw new IllegalArgumentException("cross-entropy needs classes [" + rows + "]");
            }
            return losses.crossEntropy(y, b.classes(), rows, config.outputs(), withGradient);
        }
        if (b.values() == null || b.values().length != rows * config.outputs()) {
            throw new IllegalArgumentException("squared error needs values [" + rows * config.outputs() + "]");
        }
        int[] mask = null;
        if (config.head() == Head.EVERY_STEP && b.lengths() != null) {
            mask = new int[rows];
            for (int t = 0; t < b.steps(); t++) {
                for (int i = 0; i < b.batch(); i++) {
                    mask[t * b.batch() + i] = t < b.lengths()[i] ? 1 : 0;
                }
            }
        }
        return losses.squaredError(y, b.values(), mask, rows, config.outputs(), withGradient);
    }

    private void backward(Batch b) {
        RnnSpec s = config.rnn();
        int rows = headRows(b);
        DeviceBuffer dFeatures = dropout.backward(head.backward(losses.gradient(), headInput, 0, rows, headBlocks,
                true));
        DeviceBuffer dx;
        if (config.head() == Head.EVERY_STEP) {
            dx = rnn.backwardDataOnDevice(dFeatures, null, null);
        } else {
            long top = (long) s.directions() * b.batch() * s.stateSize();
            DeviceBuffer g = dHn.get(s.hiddenStateFloats(b.batch()));
            backend.primitives().fill(g, 0, s.hiddenStateFloats(b.batch()), 0f);
            backend.primitives().copy(dFeatures, 0, g, (long) (s.layers() - 1) * top, top);
            dx = rnn.backwardDataOnDevice(null, g, null);
        }
        rnn.backwardWeights(false);
        if (embedding != null) {
            embedding.backward(dx, ids.get(1), b.steps() * b.batch());
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {embedding, rnn, head, dropout, losses, ids, dense, top, dHn}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (hState != null) {
            hState.close();
        }
        if (cState != null) {
            cState.close();
        }
    }
}
