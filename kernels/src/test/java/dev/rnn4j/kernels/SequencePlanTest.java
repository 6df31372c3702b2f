package dev.rnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SequencePlanTest {
    private static final long H100_OPT_IN = 227 * 1024 - KernelSource.STEP_PARTIAL_BYTES;

    @Test
    void aCooperativeLaunchSpreadsTheUnitsOverTheResidentGroupsAndRunsEveryStepInOneLaunch() {
        // LSTM H=1024 on 132 multiprocessors: 8 units a group (4·8·1024 floats, 128 KiB), 128 groups.
        assertEquals(new SequencePlan(8, 128, 4 * 8 * 1024, true), SequencePlan.of(4, 1024, 1024, 132, H100_OPT_IN));
        // GRU H=1536: 12 units, 221 KiB of rows, just fits.
        assertEquals(new SequencePlan(12, 128, 3 * 12 * 1536, true), SequencePlan.of(3, 1536, 1536, 132, H100_OPT_IN));
        // Fewer units than groups: one unit each.
        assertEquals(new SequencePlan(1, 100, 100, true), SequencePlan.of(1, 100, 100, 132, H100_OPT_IN));
    }

    @Test
    void whereTheRowsDoNotFitOnChipThereIsNoPlan() {
        // LSTM H=1536 needs 12 units of 24 KiB each a group: 288 KiB.
        assertNull(SequencePlan.of(4, 1536, 1536, 132, H100_OPT_IN));
        // Not even one unit's rows.
        assertNull(SequencePlan.of(4, 64, 4096, 0, 4 * 4096 * 4 - 1));
    }

    @Test
    void withoutResidencyOneGroupRunsEveryStepAndMoreGroupsTakeOneLaunchPerStep() {
        long pocl = 1024 * 1024 - KernelSource.STEP_PARTIAL_BYTES;
        assertEquals(new SequencePlan(101, 1, 4 * 101 * 101, true), SequencePlan.of(4, 101, 101, 0, pocl));
        // LSTM H=300: 4.7 KiB a unit, 216 fit, so two groups (216 and 84 units).
        assertEquals(new SequencePlan(216, 2, 4 * 216 * 300, false), SequencePlan.of(4, 300, 300, 0, pocl));
        // 48 KiB of local memory, GRU H=256: 3 KiB a unit, 16 a group, 16 groups.
        assertEquals(new SequencePlan(16, 16, 3 * 16 * 256, false), SequencePlan.of(3, 256, 256, 0, 48 * 1024));
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SequencePlan.of(0, 10, 10, 0, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> SequencePlan.of(4, 10, 10, -1, 1 << 20));
    }
}
