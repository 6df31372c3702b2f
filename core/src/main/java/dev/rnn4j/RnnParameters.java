package dev.rnn4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Host copies of every parameter tensor of an {@link RnnSpec} (weights, or gradients of the weights), named and
 * ordered as PyTorch's state_dict: per layer, per direction, {@code weight_ih, weight_hh, bias_ih, bias_hh}, then
 * {@code weight_hr} for LSTMs with a projection, {@code weight_peephole} for LSTMs with peepholes.
 * Weights are row-major float arrays of the shapes {@link Parameter} gives.
 *
 * <p>The arrays returned by {@link #get} are the live storage: writing them changes this object. Not thread-safe.
 */
public final class RnnParameters {
    private final RnnSpec spec;
    private final Map<String, Parameter> byName;
    private final Map<String, float[]> values;

    private RnnParameters(RnnSpec spec) {
        this.spec = spec;
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Parameter p : describe(spec)) {
            params.put(p.name(), p);
        }
        this.byName = Collections.unmodifiableMap(params);
        this.values = new LinkedHashMap<>();
        for (Parameter p : params.values()) {
            values.put(p.name(), new float[p.size()]);
        }
    }

    /** Every parameter of {@code spec}, in PyTorch's state_dict order. */
    public static List<Parameter> describe(RnnSpec spec) {
        List<Parameter> out = new ArrayList<>();
        for (int layer = 0; layer < spec.layers(); layer++) {
            for (int dir = 0; dir < spec.directions(); dir++) {
                for (ParameterKind kind : ParameterKind.values()) {
                    if (spec.has(kind)) {
                        out.add(describe(spec, kind, layer, dir));
                    }
                }
            }
        }
        return out;
    }

    /** One parameter of {@code spec}, which must have that kind, layer and direction. */
    public static Parameter describe(RnnSpec spec, ParameterKind kind, int layer, int direction) {
        int cols = switch (kind) {
            case WEIGHT_IH -> spec.layerInputSize(layer);
            case WEIGHT_HH -> spec.stateSize();
            case PROJECTION -> spec.hiddenSize();
            case BIAS_IH, BIAS_HH, PEEPHOLE -> 1;
        };
        int rows = switch (kind) {
            case PEEPHOLE -> 3 * spec.hiddenSize();
            case PROJECTION -> spec.projectionSize();
            default -> spec.gateRows();
        };
        return new Parameter(Parameter.nameOf(kind, layer, direction), layer, direction, kind, rows, cols);
    }

    /**
     * How many tensors {@code spec} has, by arithmetic alone: what a reader compares with what a file holds before
     * {@link #describe} builds the list (a file's metadata may declare a billion layers).
     */
    public static long tensorCount(RnnSpec spec) {
        long perDirection = 0;
        for (ParameterKind kind : ParameterKind.values()) {
            if (spec.has(kind)) {
                perDirection++;
            }
        }
        return (long) spec.layers() * spec.directions() * perDirection;
    }

    /** All parameters zero. */
    public static RnnParameters zeros(RnnSpec spec) {
        return new RnnParameters(spec);
    }

    /**
     * PyTorch's default initialisation: every value uniform in [−1/√H, 1/√H], from a seeded generator so runs
     * repeat.
     */
    public static RnnParameters uniform(RnnSpec spec, long seed) {
        RnnParameters p = new RnnParameters(spec);
        Random random = new Random(seed);
        double bound = 1.0 / Math.sqrt(spec.hiddenSize());
        for (float[] v : p.values.values()) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
        }
        return p;
    }

    /** The spec these parameters belong to. */
    public RnnSpec spec() {
        return spec;
    }

    /** Descriptions of every tensor, in state_dict order. */
    public List<Parameter> parameters() {
        return List.copyOf(byName.values());
    }

    /** The description of the tensor called {@code name}, or an exception listing the valid names. */
    public Parameter parameter(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in " + spec + "; expected one of "
                    + byName.keySet());
        }
        return p;
    }

    /** The live values of the tensor called {@code name}. */
    public float[] get(String name) {
        parameter(name);
        return values.get(name);
    }

    /** The live values of one tensor. */
    public float[] get(ParameterKind kind, int layer, int direction) {
        return get(Parameter.nameOf(kind, layer, direction));
    }

    /** Copies {@code src} into the tensor {@code name}, after checking its length. */
    public void set(String name, float[] src) {
        float[] dst = get(name);
        if (src.length != dst.length) {
            throw new IllegalArgumentException(name + ": expected " + dst.length + " values "
                    + java.util.Arrays.toString(parameter(name).shape()) + ", got " + src.length);
        }
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    /** A deep copy. */
    public RnnParameters copy() {
        RnnParameters c = new RnnParameters(spec);
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            System.arraycopy(e.getValue(), 0, c.values.get(e.getKey()), 0, e.getValue().length);
        }
        return c;
    }

    /**
     * A copy with the weight matrices rounded to {@code precision} (biases and peepholes as they are): the weights a
     * layer created with that precision computes with.
     *
     * @throws IllegalArgumentException when a weight is not finite or rounds beyond float32's range
     */
    public RnnParameters roundedTo(WeightPrecision precision) {
        RnnParameters c = copy();
        for (Parameter p : parameters()) {
            if (WeightPrecision.applies(p.kind())) {
                precision.roundInPlace(c.get(p.name()), 0, p.rows(), p.cols());
            }
        }
        return c;
    }

    /**
     * Throws if any value is NaN or infinite, naming the tensor and the flat index, so a corrupt model never
     * produces silent garbage.
     */
    public void requireFinite() {
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            float[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " holds " + v[i]
                            + " at flat index " + i + "; weights must be finite");
                }
            }
        }
    }
}
