package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> pool.run((part, parts) -> {
            if (part == 1) {
                firstRunning.countDown();
                try {
                    assertTrue(secondDone.await(30, TimeUnit.SECONDS), "the second task never finished");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }));
        assertTrue(firstRunning.await(30, TimeUnit.SECONDS));
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
}
