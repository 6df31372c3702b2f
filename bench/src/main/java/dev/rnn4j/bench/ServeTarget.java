package dev.rnn4j.bench;

import org.HdrHistogram.Histogram;

/**
 * What {@code rnn4j serve-bench} puts load on: rnn4j through a session, rnn4j called directly, or a peer engine.
 * Requests are single sequences; streams come in groups, one group per client, fed together once per tick.
 * Implementations are safe for one caller per client thread at a time.
 */
public interface ServeTarget extends AutoCloseable {

    /** One stateless request: {@code x} is {@code [steps, inputSize]}; returns when its outputs are in. */
    void request(int client, float[] x, int steps) throws Exception;

    /** {@code count} new streams, fed by client {@code client} from here on. */
    StreamGroup openStreams(int client, int count) throws Exception;

    /** A line for the report: what ran, on what. */
    String describe();

    /**
     * Session counters to add to the report (mean batch, queue wait...), or null when the target does not batch.
     */
    default SessionFigures sessionFigures() {
        return null;
    }

    /** What a batching target adds to the report: its batches and where its time went. */
    record SessionFigures(double meanBatch, long largestBatch, long batches, double queueWaitP50Ms,
                          double queueWaitP99Ms, double computeP50Ms, double computeP99Ms, int openStreams) {
    }

    @Override
    void close() throws Exception;

    /** One client's streams. */
    interface StreamGroup extends AutoCloseable {
        /**
         * Feeds every stream its {@code steps} steps ({@code inputs[i]}, {@code [steps, inputSize]}) and returns when
         * every output is in, recording each feed's latency in nanoseconds from {@code since} into {@code latency}.
         */
        void tick(float[][] inputs, int steps, long since, Histogram latency) throws Exception;

        @Override
        void close() throws Exception;
    }
}
