package dev.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressLineTest {
    @Test
    void theBarFollowsWhicheverLimitComesFirst() {
        assertEquals("[######..................]  25%  step 250  loss 1.2345  valid 1.5000  10.00 steps/s  1m15s left",
                TrainingRun.progressLine(250, 0, 1000, 25, Double.POSITIVE_INFINITY, 1.2345, 1.5));
        // A 60 s limit binds before 1000 steps: half the time is half done.
        assertEquals("[############............]  50%  step 100  loss 2.0000  3.33 steps/s  30s left",
                TrainingRun.progressLine(100, 0, 1000, 30, 60, 2.0, Double.NaN));
        // Resumed at step 200: the rate counts this run's 50 steps in 25 s.
        assertEquals("[######..................]  25%  step 250  loss 1.2345  2.00 steps/s  6m15s left",
                TrainingRun.progressLine(250, 200, 1000, 25, Double.POSITIVE_INFINITY, 1.2345, Double.NaN));
    }
}
