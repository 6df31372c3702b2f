package dev.rnn4j.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a long run watches for leaks, sampled at one moment: the process's resident memory (from {@code /proc}, which
 * covers native and driver memory as well: PoCL's and the emulated CUDA driver's buffers are host memory), the heap in
 * use right after a collection, and the JVM's direct buffers. Resident memory moves with the heap the collector keeps
 * committed (hundreds of MiB up and down over a run, with the heap in use flat), so leaks outside the heap are judged
 * on both resident memory and resident memory less the committed heap, which a leak raises alike.
 *
 * @param done          iterations (or requests) done when sampled
 * @param rssBytes      resident set size, or -1 where {@code /proc/self/status} is not there
 * @param heapBytes     heap in use after {@link System#gc()}
 * @param heapCommitted heap the collector holds from the operating system
 * @param direct        bytes of direct buffers
 */
record MemorySample(long done, long rssBytes, long heapBytes, long heapCommitted, long direct) {

    /** Samples now, after a collection so that the heap figure is what is live. */
    static MemorySample take(long done) {
        System.gc();
        java.lang.management.MemoryUsage usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        return new MemorySample(done, rss(), usage.getUsed(), usage.getCommitted(), direct);
    }

    /** Resident memory outside the committed heap: native code and data, drivers, code cache, metaspace, stacks. */
    long outsideHeapBytes() {
        return rssBytes < 0 ? -1 : rssBytes - heapCommitted;
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
