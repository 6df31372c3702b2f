package dev.rnn4j.serving;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link InferenceSession} batches and queues: immutable, each {@code with} method returns a copy.
 *
 * @param maxBatch       the most requests one batch holds (≥ 1)
 * @param maxQueueDelay  how long the first request of a batch may wait for others to join it (≥ 0; zero runs
 *                       whatever is queued at once); the wait also ends when nothing has arrived for an eighth of
 *                       it, as a burst of requests has then passed
 * @param queueCapacity  the most requests waiting to be batched (≥ 1)
 * @param whenFull       what a submit does when the queue is full
 * @param timeout        each request's (and stream feed's) deadline from its submission, or null for none (a
 *                       per-call timeout overrides it)
 * @param maxStreams     the most streams open at once (≥ 1); their states' slots are allocated as they open
 * @param streamIdleTimeout how long a stream may go without a feed before the session closes it, or null for
 *                       never
 */
public record SessionOptions(int maxBatch, Duration maxQueueDelay, int queueCapacity, FullQueue whenFull,
                             Duration timeout, int maxStreams, Duration streamIdleTimeout) {
    /** What a submit does when the queue is full. */
    public enum FullQueue {
        /** Wait for room (the blocking and the asynchronous calls alike; an interrupt ends the wait). */
        WAIT,
        /** Fail at once with {@link java.util.concurrent.RejectedExecutionException}. */
        REJECT
    }

    /**
     * 32 requests a batch, 2 ms of queue delay, 4096 queued, wait when full, no timeout, up to 65,536 streams that
     * never time out. A batch smaller than the number of busy clients lets one batch's callers send their next
     * requests while the other batch runs: with 64 closed-loop clients on 2 cores, a maximum of 32 served 0.88 of
     * the offline rate at that batch, a maximum of 64 only 0.76 (each batch then waited for every caller to come
     * back), and the CPU gains nothing per sequence from 64 over 32.
     */
    public static SessionOptions defaults() {
        return new SessionOptions(32, Duration.ofMillis(2), 4096, FullQueue.WAIT, null, 65_536, null);
    }

    public SessionOptions {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("maxQueueDelay must not be negative, got " + maxQueueDelay);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
        }
        Objects.requireNonNull(whenFull, "whenFull");
        requireTimeout(timeout);
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, got " + maxStreams);
        }
        if (streamIdleTimeout != null && (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero())) {
            throw new IllegalArgumentException("streamIdleTimeout must be positive or null (never), got "
                    + streamIdleTimeout);
        }
    }

    /** A request's timeout: positive, or null for none. */
    static Duration requireTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive or null (none), got " + timeout);
        }
        return timeout;
    }

    public SessionOptions withMaxBatch(int v) {
        return new SessionOptions(v, maxQueueDelay, queueCapacity, whenFull, timeout, maxStreams, streamIdleTimeout);
    }

    public SessionOptions withMaxQueueDelay(Duration v) {
        return new SessionOptions(maxBatch, v, queueCapacity, whenFull, timeout, maxStreams, streamIdleTimeout);
    }

    public SessionOptions withQueueCapacity(int v) {
        return new SessionOptions(maxBatch, maxQueueDelay, v, whenFull, timeout, maxStreams, streamIdleTimeout);
    }

    public SessionOptions withWhenFull(FullQueue v) {
        return new SessionOptions(maxBatch, maxQueueDelay, queueCapacity, v, timeout, maxStreams, streamIdleTimeout);
    }

    public SessionOptions withTimeout(Duration v) {
        return new SessionOptions(maxBatch, maxQueueDelay, queueCapacity, whenFull, v, maxStreams, streamIdleTimeout);
    }

    public SessionOptions withMaxStreams(int v) {
        return new SessionOptions(maxBatch, maxQueueDelay, queueCapacity, whenFull, timeout, v, streamIdleTimeout);
    }

    public SessionOptions withStreamIdleTimeout(Duration v) {
        return new SessionOptions(maxBatch, maxQueueDelay, queueCapacity, whenFull, timeout, maxStreams, v);
    }
}
