package dev.rnn4j.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One fixed set of threads, shared by every CPU backend in the JVM, that runs a {@link Task} split in
 * {@link #parts()} parts: the calling thread runs part 0, the workers the rest. Workers spin briefly between tasks
 * (per-step GEMMs last tens of microseconds, less than a park/unpark round trip) and then park. Running a task
 * allocates nothing.
 *
 * <p>The workers take one task at a time. A caller that finds them busy (another backend's task, from another
 * thread: a second serving session, say) does not wait for them: it runs every part of its task itself, one after
 * the other. The parts are the same as on the workers, so the results are the same bits; the caller just has no
 * help this time. Callers never queue behind each other here, so sessions on different backends proceed in
 * parallel, as far as the machine's cores allow.
 */
final class WorkerPool {
    /** Work that knows how to do its share. */
    interface Task {
        /** Does part {@code part} of {@code parts}. */
        void run(int part, int parts);
    }

    /** Pure spinning first: a hand-off within this time costs no system call. */
    private static final long SPIN_NANOS = 20_000;
    /**
     * Then yielding: if the thread being waited for shares this core (more runnable threads than cores, or a busy
     * machine), spinning would keep it off the core for a whole time slice; a yield lets it run.
     */
    private static final long YIELD_NANOS = 500_000;

    private final int parts;
    private final Thread[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    /** Whether the workers are running a task: taken by the caller that hands them one. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Task task;
    private volatile long generation;
    private volatile Thread caller;
    private volatile Throwable failure;

    WorkerPool(int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + parts);
        }
        this.parts = parts;
        this.workers = new Thread[parts - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = new Thread(() -> work(part), "rnn4j-cpu-" + part);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    /** How many parts a task is split into: the pool's threads plus the caller. */
    int parts() {
        return parts;
    }

    /**
     * Runs {@code t} on all parts and returns when every part has finished; rethrows a part's failure. When the
     * workers are busy, the calling thread runs the parts in turn instead of waiting for them.
     */
    void run(Task t) {
        if (parts == 1) {
            t.run(0, 1);
            return;
        }
        if (!runTogether(t)) {
            for (int part = 0; part < parts; part++) {
                t.run(part, parts);
            }
        }
    }

    /**
     * Runs {@code t} on all parts at once, each part on its own thread, and returns true when every part has
     * finished; returns false at once, having run nothing, when there is only one part or the workers are busy with
     * another caller's task. For tasks whose parts wait for one another (a barrier between steps), which would never
     * finish if {@link #run} ran their parts one after the other.
     */
    boolean runTogether(Task t) {
        if (parts == 1 || !busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            handOut(t);
        } finally {
            busy.set(false);
        }
        return true;
    }

    private void handOut(Task t) {
        failure = null;
        caller = Thread.currentThread();
        remaining.set(parts - 1);
        task = t;
        generation++;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable mine = null;
        try {
            t.run(0, parts);
        } catch (RuntimeException | Error e) {
            mine = e;
        }
        long start = System.nanoTime();
        while (remaining.get() > 0) {
            pause(start, 50_000);
        }
        task = null;
        Throwable other = failure;
        if (mine == null && other != null) {
            mine = other;
        }
        if (mine instanceof RuntimeException r) {
            throw r;
        }
        if (mine instanceof Error e) {
            throw e;
        }
    }

    private void work(int part) {
        long seen = 0;
        while (true) {
            long start = System.nanoTime();
            while (generation == seen) {
                pause(start, 0);
            }
            seen = generation;
            Task t = task;
            try {
                if (t != null) {
                    t.run(part, parts);
                }
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (remaining.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private void pause(long since, long parkNanos) {
        pause(this, since, parkNanos);
    }

    /**
     * One step of waiting that began at {@code since} ({@link System#nanoTime}): spin, then yield, then park (for
     * {@code parkNanos}, or until unparked when 0) with {@code blocker} as what the thread waits on.
     */
    static void pause(Object blocker, long since, long parkNanos) {
        long waited = System.nanoTime() - since;
        if (waited < SPIN_NANOS) {
            // A plain re-read, not Thread.onSpinWait(): its PAUSE instruction lets a hypervisor with pause-loop
            // exiting deschedule this virtual CPU, and a hand-off then costs tens of microseconds (measured).
            return;
        } else if (waited < YIELD_NANOS) {
            Thread.yield();
        } else if (parkNanos > 0) {
            LockSupport.parkNanos(blocker, parkNanos);
        } else {
            LockSupport.park(blocker);
        }
    }

    /** The part {@code [begin, end)} of {@code n} items that part {@code part} of {@code parts} owns. */
    static int begin(int n, int part, int parts) {
        return (int) ((long) n * part / parts);
    }
}
