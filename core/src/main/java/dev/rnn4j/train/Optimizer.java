package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.OptimizerArgs;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD (with momentum), Adam, AdamW or RMSprop over a model's trainable tensors, with PyTorch's update rules
 * ({@link OptimizerArgs}); each step is one fused elementwise kernel per tensor on the backend. State (momentum
 * buffers, moments) lives on the device beside the weights, created at the first step, and can be read and
 * restored for checkpoints.
 */
public final class Optimizer implements AutoCloseable {
    private final Backend backend;
    private final OptimizerArgs args = new OptimizerArgs();
    private final Map<String, DeviceBuffer[]> state = new HashMap<>();
    private long steps;

    private Optimizer(Backend backend, OptimizerArgs.Kind kind, float learningRate) {
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        this.backend = backend;
        args.kind = kind;
        args.learningRate = learningRate;
    }

    /** SGD with momentum μ (0 for none) and L2 weight decay. */
    public static Optimizer sgd(Backend backend, float learningRate, float momentum, float weightDecay) {
        Optimizer o = new Optimizer(backend, OptimizerArgs.Kind.SGD, learningRate);
        o.args.momentum = momentum;
        o.args.weightDecay = weightDecay;
        return o;
    }

    /** Adam (β1 0.9, β2 0.999, eps 1e-8) with L2 weight decay, or AdamW's decoupled decay. */
    public static Optimizer adam(Backend backend, float learningRate, float weightDecay, boolean decoupled) {
        Optimizer o = new Optimizer(backend, OptimizerArgs.Kind.ADAM, learningRate);
        o.args.weightDecay = weightDecay;
        o.args.decoupledWeightDecay = decoupled;
        return o;
    }

    /** RMSprop (α 0.99, eps 1e-8) with L2 weight decay. */
    public static Optimizer rmsprop(Backend backend, float learningRate, float weightDecay) {
        Optimizer o = new Optimizer(backend, OptimizerArgs.Kind.RMSPROP, learningRate);
        o.args.weightDecay = weightDecay;
        return o;
    }

    public OptimizerArgs.Kind kind() {
        return args.kind;
    }

    public float learningRate() {
        return args.learningRate;
    }

    /** Sets the learning rate for the following steps (what schedules do). */
    public void setLearningRate(float learningRate) {
        args.learningRate = learningRate;
    }

    /** Steps taken so far (Adam's t is this plus one during the next step). */
    public long steps() {
        return steps;
    }

    /** One step over every tensor, from its gradient. */
    public void step(List<TrainableTensor> tensors) {
        steps++;
        args.step = steps;
        for (TrainableTensor t : tensors) {
            DeviceBuffer[] s = state.computeIfAbsent(t.name(), k -> newState(t.size()));
            args.n = t.size();
            args.weights = t.value();
            args.weightsOffset = 0;
            args.gradients = t.gradient();
            args.gradientsOffset = 0;
            args.state1 = s[0];
            args.state1Offset = 0;
            args.state2 = s[1];
            args.state2Offset = 0;
            backend.trainingPrimitives().optimizerStep(args);
        }
    }

    /** Whether this optimizer keeps state {@code k} (1 or 2) per tensor: momentum or first moment, second moment. */
    private boolean keeps(int k) {
        return k == 1 ? args.kind != OptimizerArgs.Kind.SGD || args.momentum != 0
                : args.kind == OptimizerArgs.Kind.ADAM;
    }

    private DeviceBuffer[] newState(long n) {
        DeviceBuffer a = keeps(1) ? backend.allocate(n) : null;
        DeviceBuffer b = keeps(2) ? backend.allocate(n) : null;
        for (DeviceBuffer d : new DeviceBuffer[] {a, b}) {
            if (d != null) {
                backend.primitives().fill(d, 0, n, 0f);
            }
        }
        return new DeviceBuffer[] {a, b};
    }

    /** The hyperparameters by name (learning rate, weight decay and its kind, momentum, betas, alpha, eps). */
    public Map<String, String> hyperparameters() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("learning_rate", Float.toString(args.learningRate));
        h.put("weight_decay", Float.toString(args.weightDecay));
        h.put("decoupled_weight_decay", Boolean.toString(args.decoupledWeightDecay));
        h.put("momentum", Float.toString(args.momentum));
        h.put("beta1", Float.toString(args.beta1));
        h.put("beta2", Float.toString(args.beta2));
        h.put("alpha", Float.toString(args.alpha));
        h.put("eps", Float.toString(args.eps));
        return h;
    }

    /**
     * Sets what {@link #hyperparameters()} gave (checkpoints), all or nothing: every entry is checked first.
     *
     * @throws IllegalArgumentException naming the entry, for a name it does not know, a number that does not parse
     *                                  or is not finite, or a flag other than true and false; nothing is set then
     */
    public void restoreHyperparameters(Map<String, String> h) {
        copyHyperparameters(checkedHyperparameters(h), args);
    }

    /**
     * What {@link #restoreHyperparameters} would set, checked, without setting anything: this optimizer's values
     * with the given entries over them.
     *
     * @throws IllegalArgumentException as restoreHyperparameters
     */
    public OptimizerArgs checkedHyperparameters(Map<String, String> h) {
        OptimizerArgs p = new OptimizerArgs();
        copyHyperparameters(args, p);
        for (Map.Entry<String, String> e : h.entrySet()) {
            String name = e.getKey();
            String v = e.getValue();
            switch (name) {
                case "learning_rate" -> p.learningRate = finite(name, v);
                case "weight_decay" -> p.weightDecay = finite(name, v);
                case "decoupled_weight_decay" -> p.decoupledWeightDecay = flag(name, v);
                case "momentum" -> p.momentum = finite(name, v);
                case "beta1" -> p.beta1 = finite(name, v);
                case "beta2" -> p.beta2 = finite(name, v);
                case "alpha" -> p.alpha = finite(name, v);
                case "eps" -> p.eps = finite(name, v);
                default -> throw new IllegalArgumentException("unknown optimizer hyperparameter '" + name + "'");
            }
        }
        return p;
    }

    /** The values {@link #hyperparameters()} names, from one argument block to another. */
    private static void copyHyperparameters(OptimizerArgs from, OptimizerArgs to) {
        to.learningRate = from.learningRate;
        to.weightDecay = from.weightDecay;
        to.decoupledWeightDecay = from.decoupledWeightDecay;
        to.momentum = from.momentum;
        to.beta1 = from.beta1;
        to.beta2 = from.beta2;
        to.alpha = from.alpha;
        to.eps = from.eps;
    }

    private static float finite(String name, String v) {
        float x;
        try {
            x = Float.parseFloat(v == null ? "" : v.trim());
        } catch (NumberFormatException e) {
            x = Float.NaN;
        }
        if (!Float.isFinite(x)) {
            throw new IllegalArgumentException("optimizer hyperparameter '" + name + "' is '" + v
                    + "', not a finite number");
        }
        return x;
    }

    private static boolean flag(String name, String v) {
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("optimizer hyperparameter '" + name + "' is '" + v + "', not true or false");
    }

    /** Host copies of the state, by tensor name then "state1"/"state2", for checkpoints. */
    public Map<String, float[]> saveState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, DeviceBuffer[]> e : state.entrySet()) {
            for (int k = 0; k < 2; k++) {
                DeviceBuffer d = e.getValue()[k];
                if (d != null) {
                    float[] v = new float[(int) d.size()];
                    backend.download(d, 0, v, 0, v.length);
                    out.put(e.getKey() + ".state" + (k + 1), v);
                }
            }
        }
        return out;
    }

    /**
     * Restores what {@link #saveState} gave, and the step count. States are made at an optimizer's first step, so
     * after one or more steps every state this kind keeps must be there for every tensor: without them the moments
     * would restart from zero under a step count that says otherwise, a silently different run.
     *
     * @throws IllegalArgumentException when the step count is negative, or a state is missing, unknown, of the wrong
     *                                  size or not finite; then nothing is restored
     */
    public void restoreState(Map<String, float[]> saved, long steps, List<TrainableTensor> tensors) {
        if (steps < 0) {
            throw new IllegalArgumentException("optimizer step count " + steps + " is negative");
        }
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (TrainableTensor t : tensors) {
            for (int k = 1; k <= 2; k++) {
                String name = t.name() + ".state" + k;
                float[] v = saved.get(name);
                if (!keeps(k)) {
                    continue;
                }
                expected.add(name);
                if (v == null) {
                    if (steps > 0) {
                        throw new IllegalArgumentException("optimizer state '" + name + "' is missing: " + kind()
                                + " keeps it from its first step on, and the checkpoint says " + steps + " were made");
                    }
                    continue;
                }
                if (v.length != t.size()) {
                    throw new IllegalArgumentException("optimizer state '" + name + "' has "
                            + v.length + " values; expected " + t.size());
                }
                for (int i = 0; i < v.length; i++) {
                    if (!Float.isFinite(v[i])) {
                        throw new IllegalArgumentException("optimizer state '" + name + "' holds " + v[i]
                                + " at index " + i);
                    }
                }
            }
        }
        for (String name : saved.keySet()) {
            if (!expected.contains(name)) {
                throw new IllegalArgumentException("unexpected optimizer state '" + name + "': " + kind()
                        + " keeps " + new java.util.TreeSet<>(expected) + " for these parameters");
            }
        }
        this.steps = steps;
        for (TrainableTensor t : tensors) {
            DeviceBuffer[] s = state.computeIfAbsent(t.name(), k -> newState(t.size()));
            for (int k = 0; k < 2; k++) {
                float[] v = saved.get(t.name() + ".state" + (k + 1));
                if (s[k] != null && v != null) {
                    backend.upload(v, 0, s[k], 0, v.length);
                }
            }
        }
    }

    @Override
    public void close() {
        for (DeviceBuffer[] s : state.values()) {
            for (DeviceBuffer d : s) {
                if (d != null) {
                    d.close();
                }
            }
        }
        state.clear();
    }
}
