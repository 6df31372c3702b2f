package dev.rnn4j.internal.bptt;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.Parameter;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import java.util.ArrayList;
import java.util.List;

/**
 * Every parameter tensor of a spec in device memory, one buffer per tensor: a layer's weights, or its gradient
 * accumulators. Closing frees them all; a constructor that fails halfway frees what it had allocated.
 */
public final class DeviceParameters implements AutoCloseable {
    private final RnnSpec spec;
    private final Backend backend;
    private final List<Parameter> parameters;
    private final DeviceBuffer[] buffers;

    /** Allocates (uninitialised) device storage for every parameter of {@code spec}. */
    public DeviceParameters(Backend backend, RnnSpec spec) {
        this.spec = spec;
        this.backend = backend;
        this.parameters = RnnParameters.describe(spec);
        this.buffers = new DeviceBuffer[parameters.size()];
        try {
            for (int p = 0; p < buffers.length; p++) {
                buffers[p] = backend.allocate(parameters.get(p).size());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The buffer of one tensor, or null for a tensor the spec does not have (a bias without bias, projection, peepholes). */
    public DeviceBuffer buffer(ParameterKind kind, int layer, int direction) {
        if (!spec.has(kind)) {
            return null;
        }
        // Tensors of one layer and direction are consecutive, in ParameterKind order, absent kinds skipped.
        int perDirection = 0;
        int within = 0;
        for (ParameterKind k : ParameterKind.values()) {
            if (spec.has(k)) {
                if (k.compareTo(kind) < 0) {
                    within++;
                }
                perDirection++;
            }
        }
        return buffers[(layer * spec.directions() + direction) * perDirection + within];
    }

    /** Copies host values in, after checking they belong to the same spec. */
    public void upload(RnnParameters values) {
        upload(values, WeightPrecision.FLOAT32);
    }

    /**
     * Copies host values in with the weight matrices rounded to {@code precision} ({@code values} is left as it
     * is), and tells the backend what the rounded matrices are so that it may keep them compactly. Returns whether
     * it keeps every one of them so (true for float32).
     */
    public boolean upload(RnnParameters values, WeightPrecision precision) {
        requireSameSpec(values);
        boolean compact = true;
        for (int p = 0; p < buffers.length; p++) {
            Parameter parameter = parameters.get(p);
            float[] v = values.get(parameter.name());
            if (precision == WeightPrecision.FLOAT32 || !WeightPrecision.applies(parameter.kind())) {
                backend.upload(v, 0, buffers[p], 0, v.length);
                continue;
            }
            float[] rounded = v.clone();
            float[] scales = precision.roundInPlace(rounded, 0, parameter.rows(), parameter.cols());
            backend.upload(rounded, 0, buffers[p], 0, rounded.length);
            compact &= backend.primitives().keepWeightsCompact(buffers[p], parameter.rows(), parameter.cols(),
                    precision, scales);
        }
        return compact;
    }

    /** Copies device values out into {@code into}, overwriting it. */
    public void download(RnnParameters into) {
        requireSameSpec(into);
        for (int p = 0; p < buffers.length; p++) {
            float[] v = into.get(parameters.get(p).name());
            backend.download(buffers[p], 0, v, 0, v.length);
        }
    }

    /** Sets every tensor to zero. */
    public void zero() {
        for (int p = 0; p < buffers.length; p++) {
            backend.primitives().fill(buffers[p], 0, parameters.get(p).size(), 0f);
        }
    }

    private void requireSameSpec(RnnParameters values) {
        if (!values.spec().equals(spec)) {
            throw new IllegalArgumentException("parameters are for " + values.spec() + " but the layer is " + spec);
        }
    }

    @Override
    public void close() {
        for (int p = 0; p < buffers.length; p++) {
            if (buffers[p] != null) {
                buffers[p].close();
                buffers[p] = null;
            }
        }
    }
}
