package dev.rnn4j.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jcuda.CudaException;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA graphs for batches of work that repeat ({@code -Drnn4j.cuda.graphs=true}): a batch ({@link LaunchBatch},
 * everything recorded between two host interactions, such as one forward pass between its upload and its download)
 * is issued launch by launch the first time; when the next batch is the same, it is captured from the stream into a
 * graph and launched as one; later batches equal to a captured one launch its graph. A graph replays exactly the
 * launches the batch records, argument for argument, so it is valid whenever its batch recurs; nothing else keys
 * it. Batches with a cooperative launch are never captured. Where capture fails, graphs are turned off for this
 * backend with a warning, and batches are issued launch by launch.
 *
 * <p>Off by default: whether graphs pay (one launch instead of a few per step, against the batch waiting to be
 * recorded before anything runs) waits for a GPU to measure it.
 */
final class LaunchGraphs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LaunchGraphs.class);
    /** Graphs kept, least recently launched dropped first. */
    static final int CAPACITY = 8;

    private final CUstream stream;
    private final LaunchBatch previous = new LaunchBatch();
    /** Most recently launched last. */
    private final List<Entry> entries = new ArrayList<>();
    private long captured;
    private long replayed;
    /** Why graphs were turned off, or null. */
    private String failed;

    private static final class Entry {
        final LaunchBatch batch = new LaunchBatch();
        final CUgraph graph = new CUgraph();
        final CUgraphExec exec = new CUgraphExec();
        boolean hasGraph;
        boolean hasExec;
    }

    LaunchGraphs(CUstream stream) {
        this.stream = stream;
    }

    /**
     * Issues {@code batch}: its graph if it has one, a new graph if it repeats the last batch, else by
     * {@code issue}.
     */
    void submit(LaunchBatch batch, Consumer<LaunchBatch> issue) {
        if (failed != null) {
            issue.accept(batch);
            return;
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.batch.sameAs(batch)) {
                JCudaDriver.cuGraphLaunch(e.exec, stream);
                replayed++;
                if (i != entries.size() - 1) {
                    entries.add(entries.remove(i));
                }
                return;
            }
        }
        if (batch.hasCooperativeLaunch() || !batch.sameAs(previous)) {
            issue.accept(batch);
            previous.copyFrom(batch);
            return;
        }
        Entry e = capture(batch, issue);
        if (e == null) {
            return; // issued launch by launch after all
        }
        if (entries.size() == CAPACITY) {
            destroy(entries.remove(0));
        }
        entries.add(e);
        JCudaDriver.cuGraphLaunch(e.exec, stream);
        captured++;
        previous.clear();
    }

    /** The batch captured into an instantiated graph; or null, graphs turned off and the batch issued directly. */
    private Entry capture(LaunchBatch batch, Consumer<LaunchBatch> issue) {
        Entry e = new Entry();
        boolean capturing = false;
        try {
            JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
            capturing = true;
            issue.accept(batch);
            capturing = false;
            JCudaDriver.cuStreamEndCapture(stream, e.graph);
            e.hasGraph = true;
            JCudaDriver.cuGraphInstantiate(e.exec, e.graph, 0);
            e.hasExec = true;
        } catch (CudaException | IllegalStateException x) {
            if (capturing) {
                try {
                    JCudaDriver.cuStreamEndCapture(stream, e.graph);
                    e.hasGraph = true;
                } catch (CudaException ignored) {
                    // the capture was already invalidated; the stream has left capture mode either way
                }
            }
            failed = x.getMessage();
            LOG.warn("rnn4j cuda: CUDA graph capture failed ({}); launching without graphs from now on", failed);
            destroy(e);
            issue.accept(batch);
            return null;
        }
        e.batch.copyFrom(batch);
        return e;
    }

    private static void destroy(Entry e) {
        if (e.hasExec) {
            JCudaDriver.cuGraphExecDestroy(e.exec);
            e.hasExec = false;
        }
        if (e.hasGraph) {
            JCudaDriver.cuGraphDestroy(e.graph);
            e.hasGraph = false;
        }
    }

    /** Graphs captured so far. */
    long captured() {
        return captured;
    }

    /** Launches of a graph captured earlier. */
    long replayed() {
        return replayed;
    }

    /** As the backend's description says it. */
    String description() {
        return failed == null ? "CUDA graphs for repeated launch sequences"
                : "CUDA graphs turned off after a failed capture (" + failed + ")";
    }

    @Override
    public void close() {
        for (Entry e : entries) {
            destroy(e);
        }
        entries.clear();
    }
}
