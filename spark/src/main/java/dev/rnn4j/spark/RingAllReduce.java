package dev.rnn4j.spark;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.BarrierTaskContext;

/**
 * Sums a vector across the tasks of a barrier stage, every task getting the same sum: a ring all-reduce over TCP,
 * as Horovod and PyTorch's Gloo do it. The vector is cut into one chunk per task; in N−1 rounds each task passes a
 * chunk to the next task while adding the one from the previous (reduce-scatter), and in N−1 more the summed chunks
 * go round (all-gather). Each task sends and receives 2(N−1)/N of the vector, whatever N: no task, and not the
 * driver, carries everyone's vector.
 *
 * <p>The tasks find each other through the barrier: each opens a port and {@code allGather}s its address. Every
 * chunk's sum is computed once, by one task, and copied to the rest, so the replicas get the same bits.
 *
 * <p>Not for a stage whose tasks may be left waiting forever: a task that dies mid-round closes its sockets and the
 * others fail with it, and Spark retries the whole barrier stage.
 */
final class RingAllReduce implements AutoCloseable {
    private static final int FLOAT_BYTES = Float.BYTES;

    private final int rank;
    private final int tasks;
    private final SocketChannel next;
    private final SocketChannel previous;
    private final ExecutorService sender;
    private ByteBuffer outgoing = ByteBuffer.allocateDirect(0);
    private ByteBuffer incoming = ByteBuffer.allocateDirect(0);
    private long bytesSent;

    private RingAllReduce(int rank, int tasks, SocketChannel next, SocketChannel previous) {
        this.rank = rank;
        this.tasks = tasks;
        this.next = next;
        this.previous = previous;
        this.sender = tasks == 1 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rnn4j-ring-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /** Joins the ring of the current barrier stage's tasks (every task must call it, once). */
    static RingAllReduce join(BarrierTaskContext context) {
        int rank = context.partitionId();
        String host = hostOf(context.getTaskInfos()[rank].address());
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            String[] ring = context.allGather(host + " " + port);
            if (ring.length == 1) {
                return new RingAllReduce(0, 1, null, null);
            }
            String[] to = ring[(rank + 1) % ring.length].split(" ");
            // The connection completes in the next task's backlog even before it accepts, so every task can
            // connect first and accept second without waiting on each other.
            InetSocketAddress address = new InetSocketAddress(to[0], Integer.parseInt(to[1]));
            if (address.isUnresolved()) {
                throw new IOException("the next task's host " + to[0] + " does not resolve");
            }
            SocketChannel next = SocketChannel.open(address);
            SocketChannel previous = server.accept();
            for (SocketChannel c : new SocketChannel[] {next, previous}) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            return new RingAllReduce(rank, ring.length, next, previous);
        } catch (IOException e) {
            throw new UncheckedIOException("task " + rank + " could not join the all-reduce ring: " + e.getMessage(),
                    e);
        }
    }

    /** The host of an executor's {@code host:port} address, as Spark gives it (an IPv6 host in brackets). */
    static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        String host = colon > 0 && address.indexOf(']') < colon ? address.substring(0, colon) : address;
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Tasks in the ring. */
    int tasks() {
        return tasks;
    }

    /** Bytes this task has sent so far. */
    long bytesSent() {
        return bytesSent;
    }

    /** Replaces {@code v} by the element-wise sum of every task's {@code v}; all tasks pass the same length. */
    void sumInPlace(float[] v) {
        if (tasks == 1) {
            return;
        }
        int largest = (v.length + tasks - 1) / tasks; // chunks differ by one at most
        if (outgoing.capacity() < largest * FLOAT_BYTES) {
            outgoing = ByteBuffer.allocateDirect(largest * FLOAT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            incoming = ByteBuffer.allocateDirect(largest * FLOAT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            for (int round = 0; round < tasks - 1; round++) {
                exchange(v, Math.floorMod(rank - round, tasks), Math.floorMod(rank - round - 1, tasks), true);
            }
            for (int round = 0; round < tasks - 1; round++) {
                exchange(v, Math.floorMod(rank + 1 - round, tasks), Math.floorMod(rank - round, tasks), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the all-reduce ring broke at task " + rank + ": " + e.getMessage(), e);
        }
    }

    /** Sends chunk {@code send} to the next task while receiving chunk {@code receive}, added or copied into v. */
    private void exchange(float[] v, int send, int receive, boolean add) throws IOException {
        int from = chunkStart(v.length, send);
        int count = chunkEnd(v.length, send) - from;
        outgoing.clear();
        outgoing.asFloatBuffer().put(v, from, count);
        outgoing.limit(count * FLOAT_BYTES);
        // Sending on another thread: with both directions blocking on full socket buffers, a ring of writers that
        // all write before reading would stall.
        Future<?> sent = sender.submit(() -> {
            writeFully(next, outgoing);
            return null;
        });
        int at = chunkStart(v.length, receive);
        int n = chunkEnd(v.length, receive) - at;
        incoming.clear().limit(n * FLOAT_BYTES);
        while (incoming.hasRemaining()) {
            if (previous.read(incoming) < 0) {
                throw new EOFException("the previous task closed the ring");
            }
        }
        incoming.flip();
        var floats = incoming.asFloatBuffer();
        if (add) {
            for (int i = 0; i < n; i++) {
                v[at + i] += floats.get(i);
            }
        } else {
            floats.get(v, at, n);
        }
        try {
            sent.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        bytesSent += (long) count * FLOAT_BYTES;
    }

    private static void writeFully(SocketChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    private int chunkStart(int length, int chunk) {
        return (int) ((long) length * chunk / tasks);
    }

    private int chunkEnd(int length, int chunk) {
        return (int) ((long) length * (chunk + 1) / tasks);
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.shutdownNow();
        }
        for (SocketChannel c : new SocketChannel[] {next, previous}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing a broken ring: nothing is left to lose
                }
            }
        }
    }
}
