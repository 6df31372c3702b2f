package dev.rnn4j.kernels;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;

/**
 * The device backends' plan for small batches ({@link StepForm}): a forward step as one {@code recurrent_forward}
 * launch where it fuses, and with {@link StepForm#PERSISTENT} a layer direction's steps as {@code
 * recurrent_sequence} launches that keep W_hh on chip. What does not fuse runs as the generic plan would.
 */
final class KernelStepPlan implements RecurrencePlan {
    private final KernelPrimitives ops;
    /** What is not a forward step runs as the generic plan runs it. */
    private final RecurrencePlan generic;

    KernelStepPlan(KernelPrimitives ops) {
        this.ops = ops;
        this.generic = RecurrencePlan.generic(ops);
    }

    @Override
    public void gemms(GemmArgs[] gemms, int count) {
        generic.gemms(gemms, count);
    }

    @Override
    public void forwardSteps(CellType cell, GemmArgs[] recurrent, StepArgs[] steps, int count) {
        for (int d = 0; d < count; d++) {
            ops.recurrentStep(cell, recurrent[d], steps[d]);
        }
    }

    @Override
    public void cellForwards(CellType cell, StepArgs[] steps, int count) {
        generic.cellForwards(cell, steps, count);
    }

    @Override
    public void cellBackwards(CellType cell, StepArgs[] steps, int count) {
        generic.cellBackwards(cell, steps, count);
    }

    @Override
    public boolean forwardSequence(CellType cell, GemmArgs recurrent, StepArgs step, int steps) {
        return ops.recurrentSequence(cell, recurrent, step, steps);
    }
}
