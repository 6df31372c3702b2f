package dev.rnn4j.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a long run watches for leaks, sampled at one moment: the process's resident memory (from {@code /proc}, which
 * covers native and driver memory as well: PoCL's and the emulated CUDA driver's buffers are host memory), the heap in
 * use right after a collection, and the JVM's direct buffers.
 *
 * @param done      iterations (or requests) done when sampled
 * @param rssBytes  resident set size, or -1 where {@code /proc/self/status} is not there
 * @param heapBytes heap in use after {@link System#gc()}
 * @param direct    bytes of direct buffers
 */
record MemorySample(long done, long rssBytes, long heapBytes, long direct) {

    /** Samples now, after a collection so that the heap figure is what is live. */
    static MemorySample take(long done) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        return new MemorySample(done, rss(), heap, direct);
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
