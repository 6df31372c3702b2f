package dev.rnn4j.spi;

import dev.rnn4j.CellType;

/**
 * A backend's own way through the steps of a layer's recurrence, offered for a configuration by {@link
 * Primitives#plan}: what exists only to go faster on one backend (a forward step fused into one kernel, a layer
 * direction's steps in one persistent launch, the two directions of a bidirectional layer on a thread each). Every
 * method means what its {@link #generic} form does with the mandatory primitives, and the results are that form's
 * up to a GEMM's order of summation; the generic form is the plan every backend has.
 *
 * <p>Each call covers the first {@code count} entries (1 or 2: one per direction the driver is stepping) of its
 * arrays, and no entry reads what another writes, so a plan may run them concurrently.
 */
public interface RecurrencePlan {

    /** Independent GEMMs, one per direction. */
    void gemms(GemmArgs[] gemms, int count);

    /** One forward step per direction: its recurrent GEMM (which writes {@code steps[d].gh}), then its cell step. */
    void forwardSteps(CellType cell, GemmArgs[] recurrent, StepArgs[] steps, int count);

    /** Forward cell steps, one per direction (the original-form GRU's, whose GEMMs come apart). */
    void cellForwards(CellType cell, StepArgs[] steps, int count);

    /** Backward cell steps, one per direction. */
    void cellBackwards(CellType cell, StepArgs[] steps, int count);

    /**
     * Steps 0 … {@code steps − 1} of one layer direction's forward recurrence at once, where the plan has a form for
     * them: true when it ran them, false, having done nothing, otherwise (the caller then steps). {@code recurrent}
     * and {@code step} are placed at step 0 ({@link StepArgs#forwardStep}) of a layer without projection; step t is
     * {@link #forwardSteps}'s with the block placed at t. The generic plan has no such form.
     */
    default boolean forwardSequence(CellType cell, GemmArgs recurrent, StepArgs step, int steps) {
        return false;
    }

    /** The plan every backend has: the mandatory primitives, one call after another. */
    static RecurrencePlan generic(Primitives ops) {
        return new RecurrencePlan() {
            @Override
            public void gemms(GemmArgs[] gemms, int count) {
                for (int d = 0; d < count; d++) {
                    ops.gemm(gemms[d]);
                }
            }

            @Override
            public void forwardSteps(CellType cell, GemmArgs[] recurrent, StepArgs[] steps, int count) {
                for (int d = 0; d < count; d++) {
                    ops.gemm(recurrent[d]);
                    ops.cellForward(cell, steps[d]);
                }
            }

            @Override
            public void cellForwards(CellType cell, StepArgs[] steps, int count) {
                for (int d = 0; d < count; d++) {
                    ops.cellForward(cell, steps[d]);
                }
            }

            @Override
            public void cellBackwards(CellType cell, StepArgs[] steps, int count) {
                for (int d = 0; d < count; d++) {
                    ops.cellBackward(cell, steps[d]);
                }
            }
        };
    }
}
