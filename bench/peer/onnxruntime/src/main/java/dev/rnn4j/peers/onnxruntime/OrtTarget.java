package dev.rnn4j.peers.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.bench.ServeTarget;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The same load on ONNX Runtime Java, used as its documentation says a service should: one {@link OrtSession},
 * shared by every client thread, each calling {@code run} concurrently at batch 1 (the session is thread-safe). A
 * stream's state lives on the host between calls, passed in as each layer's initial state and read back from its
 * final state: the ONNX Runtime way, with no slot table to keep it on the device. Intra-op threads: the machine's
 * cores, as the CPU backend uses.
 */
final class OrtTarget implements ServeTarget {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final RnnSpec spec;
    private final RnnParameters weights;
    private OrtSession stateless;
    private OrtSession stateful;

    OrtTarget(RnnParameters weights) {
        this.spec = weights.spec();
        this.weights = weights;
    }

    private OrtSession open(boolean withStates) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return env.createSession(OnnxExport.model(weights, withStates).toByteArray(), o);
    }

    private synchronized OrtSession stateless() throws OrtException {
        if (stateless == null) {
            stateless = open(false);
        }
        return stateless;
    }

    private synchronized OrtSession stateful() throws OrtException {
        if (stateful == null) {
            stateful = open(true);
        }
        return stateful;
    }

    @Override
    public void request(int client, float[] x, int steps) throws OrtException {
        outputs(x, steps);
    }

    @Override
    public OrtStreams openStreams(int client, int count) throws OrtException {
        return new OrtStreams(stateful(), count);
    }

    /** One client's streams: their states on the host, sent in and read back with every call. */
    final class OrtStreams implements StreamGroup {
        private final OrtSession session;
        private final int count;
        private final boolean lstm = spec.cell() == CellType.LSTM;
        private final float[][][] h;
        private final float[][][] c;
        private final long[] stateShape = {1, 1, spec.hiddenSize()};

        OrtStreams(OrtSession session, int count) {
            this.session = session;
            this.count = count;
            this.h = new float[count][spec.layers()][spec.hiddenSize()];
            this.c = lstm ? new float[count][spec.layers()][spec.hiddenSize()] : null;
        }

        /** Stream {@code i}'s hidden state of layer {@code l} after the ticks so far. */
        float[] hidden(int i, int l) {
            return h[i][l].clone();
        }

        @Override
        public void tick(float[][] inputs, int steps, long since, Histogram latency) throws OrtException {
            for (int i = 0; i < count; i++) {
                Map<String, OnnxTensor> feeds = new HashMap<>();
                try {
                    feeds.put("X", OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs[i]),
                            new long[] {steps, 1, spec.inputSize()}));
                    for (int l = 0; l < spec.layers(); l++) {
                        feeds.put("h0_" + l, OnnxTensor.createTensor(env, FloatBuffer.wrap(h[i][l]), stateShape));
                        if (lstm) {
                            feeds.put("c0_" + l, OnnxTensor.createTensor(env, FloatBuffer.wrap(c[i][l]), stateShape));
                        }
                    }
                    try (OrtSession.Result r = session.run(feeds)) {
                        ((OnnxTensor) r.get("Y").orElseThrow()).getFloatBuffer();
                        for (int l = 0; l < spec.layers(); l++) {
                            ((OnnxTensor) r.get("hN_" + l).orElseThrow()).getFloatBuffer().get(h[i][l]);
                            if (lstm) {
                                ((OnnxTensor) r.get("cN_" + l).orElseThrow()).getFloatBuffer().get(c[i][l]);
                            }
                        }
                    }
                } finally {
                    feeds.values().forEach(OnnxTensor::close);
                }
                latency.recordValue(Math.max(0, System.nanoTime() - since));
            }
        }

        @Override
        public void close() {
        }
    }

    @Override
    public String describe() {
        return "ONNX Runtime Java " + env.getVersion() + ", one shared OrtSession, concurrent run calls at batch 1, "
                + Runtime.getRuntime().availableProcessors() + " intra-op threads";
    }

    /** Runs one sequence from zero states and returns {@code Y}, {@code [steps, hidden]}: what the test compares. */
    float[] outputs(float[] x, int steps) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {steps, 1,
                spec.inputSize()});
             OrtSession.Result r = stateless().run(Map.of("X", in))) {
            FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[y.remaining()];
            y.get(out);
            return out;
        }
    }

    @Override
    public synchronized void close() throws OrtException {
        if (stateless != null) {
            stateless.close();
        }
        if (stateful != null) {
            stateful.close();
        }
    }
}
