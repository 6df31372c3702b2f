package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScheduleAndStoppingTest {
    @Test
    void schedulesFollowPyTorchsFormulas() {
        LearningRateSchedule s = LearningRateSchedule.stepDecay(0.1f, 10, 0.5f);
        assertEquals(0.1f, s.at(9), 1e-7);
        assertEquals(0.05f, s.at(10), 1e-7);
        assertEquals(0.025f, s.at(25), 1e-7);
        LearningRateSchedule c = LearningRateSchedule.cosine(1f, 0.1f, 100);
        assertEquals(1f, c.at(0), 1e-6);
        assertEquals(0.55f, c.at(50), 1e-6);
        assertEquals(0.1f, c.at(100), 1e-6);
        assertEquals(0.1f, c.at(500), 1e-6);
        LearningRateSchedule w = LearningRateSchedule.constant(0.2f).withWarmup(4);
        assertEquals(0.05f, w.at(0), 1e-7);
        assertEquals(0.2f, w.at(3), 1e-7);
        assertEquals(0.2f, w.at(10), 1e-7);
    }

    @Test
    void earlyStoppingWaitsForPatience() {
        EarlyStopping e = new EarlyStopping(2, 0.01);
        assertTrue(e.record(0, 1.0));
        assertTrue(e.record(1, 0.9));
        assertFalse(e.record(2, 0.895)); // not better by minDelta
        assertFalse(e.shouldStop());
        assertFalse(e.record(3, 0.95));
        assertTrue(e.shouldStop());
        assertEquals(0.9, e.best());
        assertEquals(1, e.bestStep());
    }
}
