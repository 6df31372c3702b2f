package dev.rnn4j.serving;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One live stream in an {@link InferenceSession}: a sequence that arrives a few steps at a time (audio frames,
 * sensor ticks, tokens), whose recurrent state the session keeps on the device between feeds. Each feed runs in a
 * batch with the other streams fed at about the same time, and continues exactly from the state the stream's
 * previous feeds left. Feeds of one stream run in the order they were made; any thread may feed any stream.
 *
 * <p>A feed that is cancelled or times out before it runs does not run: the stream goes on from the state before
 * it. One that fails (the device failing) leaves the state as it was, unless the failure came while the states
 * were written back, which closes the stream with it. {@link #close} (or the session's idle timeout) frees the
 * stream's slot after the feeds already made have run; later calls fail with {@link StreamClosedException}.
 */
public final class SessionStream implements AutoCloseable {
    private final InferenceSession session;
    private final long id;
    /** The slot in the session's table, assigned by the dispatcher when it opened the stream. */
    int slot = -1;
    /** Guarded by this: feeds accepted and not yet finished, and when the last was made (for the idle timeout). */
    private int inFlight;
    private long lastActive = System.nanoTime();
    private String closedBecause;
    private Throwable closedCause;

    SessionStream(InferenceSession session, long id) {
        this.session = session;
        this.id = id;
    }

    /** This stream's number in its session, from 0 in the order streams opened. */
    public long id() {
        return id;
    }

    /**
     * Queues {@code steps} steps of input ({@code x}, {@code [steps, inputSize]}, copied) with the session's
     * timeout; the future gives their outputs, {@code [steps, outputSize]}.
     *
     * @throws StreamClosedException                               after {@link #close}, an idle timeout or a failure
     * @throws java.util.concurrent.RejectedExecutionException     as {@link InferenceSession#submit} when the queue is
     *                                                             full
     */
    public CompletableFuture<float[]> feed(float[] x, int steps) {
        return session.feed(this, x, steps, session.options().timeout());
    }

    /** {@link #feed(float[], int)} with its own timeout (null for none), counted from now. */
    public CompletableFuture<float[]> feed(float[] x, int steps, Duration timeout) {
        return session.feed(this, x, steps, timeout);
    }

    /** {@link #feed(float[], int)} and waits for the outputs. */
    public float[] run(float[] x, int steps) {
        return InferenceSession.await(feed(x, steps));
    }

    /** The state after every feed made before this call (read from the device once they have run). */
    public CompletableFuture<StreamState> state() {
        return session.readState(this);
    }

    /** Whether feeds are still accepted. */
    public synchronized boolean isOpen() {
        return closedBecause == null;
    }

    /** Stops taking feeds; the ones made before still run, then the slot is freed. Idempotent. */
    @Override
    public void close() {
        if (markClosed("the stream was closed", null)) {
            session.closeStream(this);
        }
    }

    /** Accepts one more feed, or throws why not. */
    synchronized void admit() {
        if (closedBecause != null) {
            throw new StreamClosedException("stream " + id + ": " + closedBecause, closedCause);
        }
        inFlight++;
        lastActive = System.nanoTime();
    }

    synchronized void finished() {
        inFlight--;
    }

    /** Marks the stream closed; false if it already was. */
    synchronized boolean markClosed(String because, Throwable cause) {
        return markClosed(because, cause, () -> { });
    }

    /** As {@link #markClosed(String, Throwable)}, running {@code stopCounting} under the same lock when it closes. */
    synchronized boolean markClosed(String because, Throwable cause, Runnable stopCounting) {
        if (closedBecause != null) {
            return false;
        }
        stopCounting.run();
        closedBecause = because;
        closedCause = cause;
        return true;
    }

    /**
     * Closes the stream for idleness if nothing is in flight and nothing came for {@code idleNanos}, running
     * {@code stopCounting} under the same lock so that no caller sees the stream closed and still counted open.
     */
    synchronized boolean expireIfIdle(long now, long idleNanos, Runnable stopCounting) {
        if (closedBecause != null || inFlight > 0 || now - lastActive < idleNanos) {
            return false;
        }
        stopCounting.run();
        closedBecause = "the stream timed out after " + Duration.ofNanos(idleNanos) + " without a feed";
        return true;
    }

    @Override
    public String toString() {
        return "stream " + id + (isOpen() ? "" : " (closed)");
    }
}
