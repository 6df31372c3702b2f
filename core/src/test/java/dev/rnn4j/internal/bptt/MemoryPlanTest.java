package dev.rnn4j.internal.bptt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The plan made before allocating is what a layer then allocates, byte for byte. */
class MemoryPlanTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void planMatchesWhatALayerAllocates(CellType cell) {
        RnnSpec spec = new RnnSpec(cell, 5, 7, 2, true, true);
        int steps = 4;
        int batch = 3;
        MemoryPlan plan = MemoryPlan.of(spec, steps, batch, true);
        MemoryPlan inferencePlan = MemoryPlan.of(spec, steps, batch, false);
        assertEquals(plan.workspaceBytes(), inferencePlan.workspaceBytes());
        assertEquals(0, inferencePlan.reserveBytes());
        assertTrue(plan.reserveBytes() > 0, "training keeps more than inference");
        long weights = 0;
        for (Parameter p : RnnParameters.describe(spec)) {
            weights += 4L * p.size();
        }
        assertEquals(weights, inferencePlan.parameterBytes());
        assertEquals(2 * weights, plan.parameterBytes(), "weights and their gradients");

        try (Backend b = Backends.open("reference");
             RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 1))) {
            RnnInput in = RnnInput.sequenceMajor(new float[steps * batch * 5], steps, batch);
            layer.forward(in);
            assertEquals(plan.workspaceBytes(), layer.workspaceBytes(), "inference workspace");
            layer.forwardTraining(in);
            assertEquals(2 * plan.workspaceBytes() + plan.reserveBytes(), layer.workspaceBytes(),
                    "the inference workspace plus the training one");
        }
    }
}
