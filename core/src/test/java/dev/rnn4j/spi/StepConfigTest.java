package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ElementType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepConfigTest {
    @Test
    void reserveRowsHoldActivationsThenClipFlagsThenPreActivations() {
        StepConfig plain = StepConfig.of(new RnnSpec(CellType.LSTM, 3, 5, 1, false, true), 0);
        assertEquals(20, plain.reserveWidth());
        assertEquals(20, plain.flagsAt());
        assertEquals(20, plain.preActivationsAt());
        StepConfig all = StepConfig.of(new RnnSpec(CellType.GRU, 3, 5, 1, false, true, new CellVariant(false, false,
                0.5f, 0f, false, 0, List.of(Activation.SIGMOID, Activation.RELU))), 0);
        assertEquals(20, all.flagsAt());
        assertEquals(35, all.preActivationsAt());
        assertEquals(50, all.reserveWidth());
        StepConfig rnn = StepConfig.of(new RnnSpec(CellType.RNN_TANH, 3, 5, 1, false, true), 0);
        assertEquals(0, rnn.reserveWidth());
        assertFalse(rnn.onnxActivations());
        assertEquals(Activation.TANH, rnn.activation(0));
    }

    @Test
    void equalByValueAndPerDirection() {
        RnnSpec s = new RnnSpec(CellType.RNN_TANH, 3, 4, 2, true, true,
                CellVariant.activated(List.of(Activation.RELU, Activation.TANH)));
        assertEquals(StepConfig.of(s, 0), StepConfig.of(s, 0));
        assertEquals(StepConfig.of(s, 0).hashCode(), StepConfig.of(s, 0).hashCode());
        assertNotEquals(StepConfig.of(s, 0), StepConfig.of(s, 1));
        assertEquals(Activation.RELU, StepConfig.of(s, 0).activation(0));
        assertEquals(Activation.TANH, StepConfig.of(s, 1).activation(0));
        assertThrows(IllegalArgumentException.class, () -> StepConfig.of(s, 2));
    }

    @Test
    void stepsPlaceEveryBufferByOneRule() {
        RnnSpec s = new RnnSpec(CellType.LSTM, 3, 6, 1, false, true, CellVariant.projected(2));
        StepArgs a = new StepArgs();
        a.config = StepConfig.of(s, 0);
        a.batch = 3;
        a.forwardStep(2);
        assertEquals(2, a.step());
        assertEquals(2 * 3 * 24, a.gxOffset());
        assertEquals(2 * 3 * 2, a.hPrevOffset());
        assertEquals(0, a.hNextOffset(), "a projected inference forward keeps one step of m");
        assertEquals(2 * 3 * 6, a.cPrevOffset());
        assertEquals(3 * 3 * 6, a.cNextOffset());
        a.reserve = new DeviceBuffer() {
            @Override
            public long size() {
                return 0;
            }

            @Override
            public ElementType type() {
                return ElementType.FLOAT32;
            }

            @Override
            public void close() {
            }
        };
        a.forwardStep(2);
        assertEquals(2 * 3 * 6, a.hNextOffset(), "training keeps every step's m");
        assertEquals(2 * 3 * 24, a.reserveOffset());
        a.backwardStep(2);
        assertEquals(3 * 3 * 2, a.hNextOffset(), "backward reads h_t from the h states");
        assertEquals(2 * 3 * 6, a.dyOffset());
    }
}
