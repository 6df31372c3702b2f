package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.LayerOptions;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.internal.bptt.MemoryPlan;
import dev.rnn4j.internal.reference.ReferenceRnn;
import java.util.Arrays;
import java.util.Random;

/**
 * Times one row on one backend as DeepBench does: forward, backward-data and backward-weights apart (training rows)
 * or forward alone (inference rows). Warm-up, then {@code reps} samples, each at least {@code minSampleMs} of
 * back-to-back calls; medians per phase, and the fastest and slowest sample's total. A row whose memory plan does not
 * fit the device (or the Java heap that holds its host arrays) is skipped with the figures, before allocating.
 */
final class RowRunner {
    /** Share of the device's memory a row may plan to use: drivers and other tenants need the rest. */
    static final double DEVICE_MEMORY_SHARE = 0.9;

    private final long warmupMs;
    private final int reps;
    private final long minSampleMs;
    private final WeightPrecision weights;

    RowRunner(long warmupMs, int reps, long minSampleMs) {
        this(warmupMs, reps, minSampleMs, WeightPrecision.FLOAT32);
    }

    /** @param weights the precision of inference rows' weight matrices (training rows need float32) */
    RowRunner(long warmupMs, int reps, long minSampleMs, WeightPrecision weights) {
        this.warmupMs = warmupMs;
        this.reps = reps;
        this.minSampleMs = minSampleMs;
        this.weights = weights;
    }

    /** The precision this runner holds weight matrices to. */
    WeightPrecision weights() {
        return weights;
    }

    /** The row's result on {@code backend}; {@code peakGflops} (or NaN) turns GFLOP/s into a fraction of peak. */
    RowResult run(Backend backend, BenchRow row, double peakGflops) {
        RnnSpec spec = row.spec();
        MemoryPlan plan = MemoryPlan.of(spec, row.steps(), row.batch(), row.training());
        if (row.training() && weights != WeightPrecision.FLOAT32) {
            return RowResult.skipped(row, backend.name(), weights.label() + " weights are for inference rows only")
                    .withWeights(weights);
        }
        String tooBig = doesNotFit(backend, row, plan);
        if (tooBig != null) {
            return RowResult.skipped(row, backend.name(), tooBig);
        }
        try {
            return measure(backend, row, plan, peakGflops);
        } catch (DeviceOutOfMemoryException e) {
            return RowResult.skipped(row, backend.name(), "out of device memory: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            return RowResult.skipped(row, backend.name(), "Java heap exhausted (" + e.getMessage()
                    + "); raise -Xmx through RNN4J_JAVA_OPTS");
        }
    }

    /** Why the row cannot run here, or null. */
    static String doesNotFit(Backend backend, BenchRow row, MemoryPlan plan) {
        long device = backend.device().memoryBytes();
        if (device > 0 && plan.totalBytes() > DEVICE_MEMORY_SHARE * device) {
            return String.format("needs %s of device memory (workspace %s, reserve %s, parameters %s); %s has %s",
                    mib(plan.totalBytes()), mib(plan.workspaceBytes()), mib(plan.reserveBytes()),
                    mib(plan.parameterBytes()), backend.name(), mib(device));
        }
        Runtime rt = Runtime.getRuntime();
        long heapFree = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long host = hostBytes(row, plan);
        if (host > 0.8 * heapFree) {
            return "needs " + mib(host) + " of Java heap for its host arrays; " + mib(heapFree)
                    + " free (raise -Xmx through RNN4J_JAVA_OPTS)";
        }
        return null;
    }

    /** Host arrays of a timed call: input, output and its gradient, input gradient, weights twice. */
    static long hostBytes(BenchRow row, MemoryPlan plan) {
        RnnSpec s = row.spec();
        long rows = (long) row.steps() * row.batch();
        long floats = rows * s.inputSize() * (row.training() ? 2 : 1) + rows * s.outputSize() * (row.training() ? 2 : 1);
        // The plan's parameter bytes include the gradient accumulators when training: the weights are half of them.
        long weights = row.training() ? plan.parameterBytes() / 2 : plan.parameterBytes();
        return 4 * floats + 2 * weights;
    }

    /** A byte count for people: KiB below 1 MiB, GiB from 10 GiB. */
    static String mib(long bytes) {
        if (bytes < 1L << 20) {
            return ((bytes + 1023) >> 10) + " KiB";
        }
        return bytes >= 10L << 30 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }

    private RowResult measure(Backend backend, BenchRow row, MemoryPlan plan, double peakGflops) {
        RnnSpec spec = row.spec();
        Random r = new Random(0);
        float[] x = new float[Math.toIntExact((long) row.steps() * row.batch() * spec.inputSize())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        RnnInput in = RnnInput.sequenceMajor(x, row.steps(), row.batch());
        float[] ones = row.training() ? new float[row.steps() * row.batch() * spec.outputSize()] : null;
        if (ones != null) {
            Arrays.fill(ones, 1f);
        }
        OutputGradients up = new OutputGradients(ones, null, null);
        long[] phaseNanos = new long[3];
        RnnParameters values = RnnParameters.uniform(spec, 0);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, values,
                LayerOptions.defaults().withWeightPrecision(weights))) {
            Runnable call = row.training() ? () -> {
                long t0 = System.nanoTime();
                layer.forwardTraining(in);
                long t1 = System.nanoTime();
                layer.backwardData(up);
                long t2 = System.nanoTime();
                layer.backwardWeights(false);
                backend.finish(); // backward-weights downloads nothing: on asynchronous backends wait for it here
                long t3 = System.nanoTime();
                phaseNanos[0] += t1 - t0;
                phaseNanos[1] += t2 - t1;
                phaseNanos[2] += t3 - t2;
            } : () -> {
                long t0 = System.nanoTime();
                layer.forward(in);
                phaseNanos[0] += System.nanoTime() - t0;
            };
            double[][] phases = time(call, phaseNanos);
            double[] total = new double[reps];
            for (int k = 0; k < reps; k++) {
                total[k] = phases[0][k] + phases[1][k] + phases[2][k];
            }
            double median = median(total);
            double gflops = row.flops() / (median / 1e3) / 1e9;
            return new RowResult(row, backend.name(), RowResult.OK, null, median(phases[0]),
                    row.training() ? median(phases[1]) : null, row.training() ? median(phases[2]) : null, median,
                    Arrays.stream(total).min().orElseThrow(), Arrays.stream(total).max().orElseThrow(), gflops,
                    Double.isFinite(peakGflops) && peakGflops > 0 ? gflops / peakGflops : null, plan.workspaceBytes(),
                    plan.reserveBytes(), plan.parameterBytes(), null, null, null,
                    weights == WeightPrecision.FLOAT32 ? null : errorAgainstFloat32(backend, layer, values, in), weights);
        }
    }

    /** What rounding the weights changed: the layer's outputs against a float32 layer's, scale-free. */
    private static double errorAgainstFloat32(Backend backend, RecurrentLayer rounded, RnnParameters values,
                                              RnnInput in) {
        RnnOutput got = rounded.forward(in);
        try (RecurrentLayer exact = RecurrentLayer.create(backend, rounded.spec(), values)) {
            RnnOutput want = exact.forward(in);
            return Math.max(OracleCheck.relativeError(ReferenceRnn.widen(want.output()), got.output()),
                    OracleCheck.relativeError(ReferenceRnn.widen(want.hN()), got.hN()));
        }
    }

    /** Per phase, milliseconds per call in each sample. */
    private double[][] time(Runnable call, long[] phaseNanos) {
        double[][] phases = new double[3][reps];
        SampleTimer.run(call, warmupMs, minSampleMs, reps, new SampleTimer.Sink() {
            @Override
            public void beforeSample(int k) {
                Arrays.fill(phaseNanos, 0);
            }

            @Override
            public void sample(int k, int calls, long nanos) {
                for (int p = 0; p < 3; p++) {
                    phases[p][k] = phaseNanos[p] / 1e6 / calls;
                }
            }
        });
        return phases;
    }

    static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
