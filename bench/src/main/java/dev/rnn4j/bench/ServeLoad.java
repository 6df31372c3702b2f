package dev.rnn4j.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The load {@code serve-bench} generates: client threads that each send a request and wait for it (closed loop), or
 * arrivals at a fixed mean rate taken by the clients as they come (open loop, latency counted from each arrival's
 * planned time so that a backlog shows); for streams, each client feeds its share of the streams once per tick,
 * back to back (closed) or at a given tick rate (open). Only what completes inside the measured window counts; the
 * warm-up before it lets the JIT and the session settle.
 */
final class ServeLoad {
    /** Distinct inputs each client cycles through: enough that no cache holds an answer. */
    private static final int INPUTS_PER_CLIENT = 8;

    /**
     * @param clients      client threads
     * @param rate         open loop: requests per second (streams: ticks per second per client); 0 for a closed loop
     * @param steps        a request's steps (streams: steps per feed)
     * @param streams      streams in all, 0 for stateless requests
     * @param inputSize    the model's input features
     * @param warmupNanos  the warm-up before measuring
     * @param measureNanos the measured window
     */
    record Config(int clients, double rate, int steps, int streams, int inputSize, long warmupNanos,
                  long measureNanos, long seed) {
    }

    /**
     * What one load run measured.
     *
     * @param completed requests (streams: feeds) completed in the window
     * @param steps     steps those computed
     * @param seconds   the window's length
     * @param latency   nanoseconds from each one's submission (open loop: planned arrival) to its result
     * @param cpuNanos  CPU time of the whole process over the window
     */
    record Result(long completed, long steps, double seconds, Histogram latency, long cpuNanos) {
        double perSecond() {
            return completed / seconds;
        }

        double stepsPerSecond() {
            return steps / seconds;
        }

        /** Process CPU milliseconds per request or feed (every thread, the load generator's too). */
        double cpuMsPerCompleted() {
            return completed == 0 ? 0 : cpuNanos / 1e6 / completed;
        }
    }

    private ServeLoad() {
    }

    static Result run(ServeTarget target, Config c) throws Exception {
        long start = System.nanoTime();
        long measureFrom = start + c.warmupNanos();
        long end = measureFrom + c.measureNanos();
        ExecutorService pool = Executors.newFixedThreadPool(c.clients() + 1, r -> {
            Thread t = new Thread(r, "serve-bench-client");
            t.setDaemon(true);
            return t;
        });
        try {
            LinkedBlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
            if (c.streams() == 0 && c.rate() > 0) {
                pool.submit(() -> planArrivals(arrivals, c, start, end));
            }
            List<Future<long[]>> clients = new ArrayList<>();
            List<Histogram> latencies = new ArrayList<>();
            for (int k = 0; k < c.clients(); k++) {
                int client = k;
                Histogram h = new Histogram(3);
                latencies.add(h);
                clients.add(pool.submit(() -> c.streams() > 0
                        ? streamClient(target, c, client, measureFrom, end, h)
                        : requestClient(target, c, client, arrivals, measureFrom, end, h)));
            }
            sleepUntil(measureFrom);
            long cpuAtStart = processCpuNanos();
            sleepUntil(end);
            long cpu = processCpuNanos() - cpuAtStart;
            long completed = 0;
            long steps = 0;
            for (Future<long[]> f : clients) {
                long[] r = f.get(10, TimeUnit.MINUTES);
                completed += r[0];
                steps += r[1];
            }
            Histogram all = new Histogram(3);
            latencies.forEach(all::add);
            return new Result(completed, steps, c.measureNanos() / 1e9, all, cpu);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** Poisson arrivals at the configured rate, each the planned start of one request. */
    private static Void planArrivals(LinkedBlockingQueue<Long> arrivals, Config c, long start, long end)
            throws InterruptedException {
        Random r = new Random(c.seed());
        double next = start;
        while (next < end) {
            next += -Math.log(1 - r.nextDouble()) / c.rate() * 1e9;
            long wait = (long) next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            arrivals.add((long) next);
        }
        for (int k = 0; k < c.clients(); k++) {
            arrivals.add(Long.MIN_VALUE); // one stop per client
        }
        return null;
    }

    private static float[][] inputs(Random r, int count, int floats) {
        float[][] v = new float[count][floats];
        for (float[] x : v) {
            for (int i = 0; i < floats; i++) {
                x[i] = (float) (r.nextDouble() * 2 - 1);
            }
        }
        return v;
    }

    private static long[] requestClient(ServeTarget target, Config c, int client, LinkedBlockingQueue<Long> arrivals,
                                        long measureFrom, long end, Histogram latency) throws Exception {
        float[][] xs = inputs(new Random(c.seed() + client), INPUTS_PER_CLIENT, c.steps() * c.inputSize());
        long completed = 0;
        for (int i = 0; ; i++) {
            long planned;
            if (c.rate() > 0) {
                planned = arrivals.take();
                if (planned == Long.MIN_VALUE) {
                    break;
                }
            } else {
                planned = System.nanoTime();
                if (planned >= end) {
                    break;
                }
            }
            target.request(client, xs[i % xs.length], c.steps());
            long done = System.nanoTime();
            if (done >= measureFrom && done < end) {
                latency.recordValue(Math.max(0, done - planned));
                completed++;
            }
        }
        return new long[] {completed, completed * c.steps()};
    }

    private static long[] streamClient(ServeTarget target, Config c, int client, long measureFrom, long end,
                                       Histogram latency) throws Exception {
        int count = c.streams() / c.clients() + (client < c.streams() % c.clients() ? 1 : 0);
        if (count == 0) {
            return new long[2];
        }
        float[][][] ticks = new float[INPUTS_PER_CLIENT][][];
        Random r = new Random(c.seed() + client);
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = inputs(r, count, c.steps() * c.inputSize());
        }
        Histogram scratch = new Histogram(3);
        long feeds = 0;
        try (ServeTarget.StreamGroup group = target.openStreams(client, count)) {
            long planned = System.nanoTime();
            for (int i = 0; ; i++) {
                if (c.rate() > 0) {
                    long wait = planned - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                } else {
                    planned = System.nanoTime();
                }
                if (planned >= end) {
                    break;
                }
                group.tick(ticks[i % ticks.length], c.steps(), planned, scratch);
                long done = System.nanoTime();
                if (planned >= measureFrom && done < end) {
                    latency.add(scratch); // a tick counts whole, and only when it ran inside the window
                    feeds += count;
                }
                scratch.reset();
                if (c.rate() > 0) {
                    planned += (long) (1e9 / c.rate());
                }
            }
        }
        return new long[] {feeds, feeds * c.steps()};
    }
}
