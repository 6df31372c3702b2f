package dev.rnn4j.bench;

/**
 * What one row gave on one backend. Times are medians in milliseconds over the samples; the backward ones are null
 * for inference rows, and every figure is null for a row that was skipped (with {@link #note} saying why) or
 * failed. Fields map one to one onto the JSON and CSV columns (see {@code result-schema.json} beside this class in the jar).
 *
 * @param row              the row
 * @param backend          the backend's name
 * @param status           {@code ok}, {@code skipped} or {@code failed}
 * @param note             why it was skipped or how it failed; null when ok
 * @param forwardMs        forward pass
 * @param backwardDataMs   backward-data (training rows)
 * @param backwardWeightsMs backward-weights (training rows)
 * @param totalMs          the three together (median of per-call totals)
 * @param totalMinMs       fastest sample
 * @param totalMaxMs       slowest sample
 * @param gflops           GEMM GFLOP/s by the standard count ({@link BenchRow#flops()}) at the median total
 * @param peakFraction     gflops over the backend's measured SGEMM rate; null when that was not measured
 * @param workspaceBytes   device memory of the inference workspace
 * @param reserveBytes     what training keeps beyond it for backward (0 for inference rows)
 * @param parameterBytes   weights, plus their gradients for training rows
 * @param verifyError      max relative error against the double-precision oracle; null without --verify
 * @param verifyShape      the shape verified (the row itself, or its shrunken copy)
 * @param verifyOk         whether the error is within --max-error; null without --verify
 * @param weightsError     with --weights other than float32: max |output − float32 layer's output| over max
 *                         |float32 output| (outputs and final states), what the rounding of the weights changed; else
 *                         null
 * @param weights          the precision the row's weight matrices were held to
 */
record RowResult(BenchRow row, String backend, String status, String note, Double forwardMs, Double backwardDataMs,
                 Double backwardWeightsMs, Double totalMs, Double totalMinMs, Double totalMaxMs, Double gflops,
                 Double peakFraction, Long workspaceBytes, Long reserveBytes, Long parameterBytes, Double verifyError,
                 String verifyShape, Boolean verifyOk, Double weightsError,
                 dev.rnn4j.WeightPrecision weights) {

    static final String OK = "ok";
    static final String SKIPPED = "skipped";
    static final String FAILED = "failed";

    static RowResult skipped(BenchRow row, String backend, String why) {
        return new RowResult(row, backend, SKIPPED, why, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, dev.rnn4j.WeightPrecision.FLOAT32);
    }

    static RowResult failed(BenchRow row, String backend, String why) {
        return new RowResult(row, backend, FAILED, why, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, dev.rnn4j.WeightPrecision.FLOAT32);
    }

    /** This result as measured with its weights held to {@code precision}. */
    RowResult withWeights(dev.rnn4j.WeightPrecision precision) {
        return new RowResult(row, backend, status, note, forwardMs, backwardDataMs, backwardWeightsMs, totalMs,
                totalMinMs, totalMaxMs, gflops, peakFraction, workspaceBytes, reserveBytes, parameterBytes, verifyError,
                verifyShape, verifyOk, weightsError, precision);
    }

    /** The row as tables name it: with its weight precision unless float32. */
    String label() {
        return weights == dev.rnn4j.WeightPrecision.FLOAT32 ? row.toString() : row + " " + weights.label();
    }

    /** (max − min) / median of the samples' totals, in percent. */
    Double spreadPercent() {
        return totalMs == null || totalMs == 0 ? null : (totalMaxMs - totalMinMs) / totalMs * 100;
    }

    /** This result with its fraction of peak against another SGEMM rate. */
    RowResult withPeak(double peakGflops) {
        return new RowResult(row, backend, status, note, forwardMs, backwardDataMs, backwardWeightsMs, totalMs,
                totalMinMs, totalMaxMs, gflops, gflops == null ? null : gflops / peakGflops, workspaceBytes,
                reserveBytes, parameterBytes, verifyError, verifyShape, verifyOk, weightsError, weights);
    }

    /** This result with a verification added. */
    RowResult withVerification(double error, String shape, boolean ok) {
        return new RowResult(row, backend, ok || !status.equals(OK) ? status : FAILED,
                ok ? note : "verification failed: max relative error " + error, forwardMs, backwardDataMs,
                backwardWeightsMs, totalMs, totalMinMs, totalMaxMs, gflops, peakFraction, workspaceBytes, reserveBytes,
                parameterBytes, error, shape, ok, weightsError, weights);
    }
}
