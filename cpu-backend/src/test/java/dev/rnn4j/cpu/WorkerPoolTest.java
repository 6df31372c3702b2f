package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool shared by every CPU backend: parts all run, failures come back, and a busy pool blocks nobody. */
class WorkerPoolTest {

    @Test
    void everyPartRunsOnce() {
        WorkerPool pool = new WorkerPool(3);
        int[] runs = new int[3];
        pool.run((part, parts) -> {
            assertEquals(3, parts);
            runs[part]++;
        });
        assertArrayEquals(new int[] {1, 1, 1}, runs);
    }

    @Test
    void aWorkersFailureReachesTheCaller() {
        WorkerPool pool = new WorkerPool(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((part, parts) -> {
            if (part == 1) {
                throw new IllegalStateException("part one failed");
            }
        }));
        assertEquals("part one failed", e.getMessage());
        int[] runs = new int[2];
        pool.run((part, parts) -> runs[part]++); // still usable afterwards
        assertArrayEquals(new int[] {1, 1}, runs);
    }

    /**
     * The bug this guards against: the pool admitted one task at a time for every CPU backend in the JVM, so a
     * second session's call waited for the first's whole task. Here the first task holds the workers until the
     * second caller has finished: with a lock, the second call never returns and the test times out.
     */
    @Test
    void aCallerFindingThePoolBusyRunsItsTaskItself() throws Exception {
        WorkerPool pool = new WorkerPool(2);
        CountDownLatch secondDone = new CountDownLatch(1);
        CompletableFuture<Void> first = holdWorkers(pool, secondDone);
        Thread caller = Thread.currentThread();
        int[] runs = new int[2];
        boolean[] onCaller = {true};
        pool.run((part, parts) -> {
            runs[part]++;
            onCaller[0] &= Thread.currentThread() == caller;
        });
        secondDone.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertArrayEquals(new int[] {1, 1}, runs, "every part of the second task ran once");
        assertTrue(onCaller[0], "the busy pool's parts ran on the caller");
    }

    /** A pool busy with another caller's task turns a task whose parts wait for each other away, running nothing. */
    @Test
    void runTogetherRunsAllPartsAtOnceOrNothing() throws Exception {
        WorkerPool pool = new WorkerPool(2);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = holdWorkers(pool, release);
        boolean[] ran = {false};
        assertFalse(pool.runTogether((part, parts) -> ran[0] = true));
        assertFalse(ran[0], "nothing ran");
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        int[] runs = new int[2];
        assertTrue(pool.runTogether((part, parts) -> runs[part]++));
        assertArrayEquals(new int[] {1, 1}, runs);
        assertFalse(new WorkerPool(1).runTogether((part, parts) -> { }), "one part has no threads to run together");
    }

    /** Starts a task whose part 1 keeps the workers until {@code release}; returns once they are held. */
    private static CompletableFuture<Void> holdWorkers(WorkerPool pool, CountDownLatch release) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CompletableFuture<Void> task = CompletableFuture.runAsync(() -> pool.run((part, parts) -> {
            if (part == 1) {
                holding.countDown();
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS), "the workers were never released");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }));
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        return task;
    }
}
