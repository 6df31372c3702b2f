package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;

/**
 * The CPU plan where the vector kernels run on more than one thread: a direction's forward steps as one {@link
 * StepLoop} where it applies, everything else (backward, and the forward steps the loop declines) by the plan
 * underneath: {@link CpuPairedPlan} on two threads, else the generic one.
 */
final class LoopingPlan implements RecurrencePlan {
    private final CpuPrimitives ops;
    private final RecurrencePlan underneath;
    private final StepLoop loop;

    /** @param ops the primitives whose lock a loop holds */
    LoopingPlan(CpuPrimitives ops, RecurrencePlan underneath, StepLoop loop) {
        this.ops = ops;
        this.underneath = underneath;
        this.loop = loop;
    }

    @Override
    public boolean forwardSequence(CellType cell, GemmArgs recurrent, StepArgs step, int steps) {
        synchronized (ops) {
            return loop.forward(cell, recurrent, step, steps);
        }
    }

    @Override
    public void gemms(GemmArgs[] gemms, int count) {
        underneath.gemms(gemms, count);
    }

    @Override
    public void forwardSteps(CellType cell, GemmArgs[] recurrent, StepArgs[] steps, int count) {
        underneath.forwardSteps(cell, recurrent, steps, count);
    }

    @Override
    public void cellForwards(CellType cell, StepArgs[] steps, int count) {
        underneath.cellForwards(cell, steps, count);
    }

    @Override
    public void cellBackwards(CellType cell, StepArgs[] steps, int count) {
        underneath.cellBackwards(cell, steps, count);
    }
}
