package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hyperparameters round-trip through their string form, and a bad entry sets none of them. */
class OptimizerHyperparametersTest {
    @Test
    @SuppressWarnings("unchecked")
    void hyperparametersRoundTripAndABadEntrySetsNothing() {
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults());
             Optimizer adam = Optimizer.adam(b, 0.01f, 0.1f, true);
             Optimizer other = Optimizer.adam(b, 0.5f, 0f, false)) {
            other.restoreHyperparameters(adam.hyperparameters());
            assertEquals(adam.hyperparameters(), other.hyperparameters());

            Map<String, String> before = adam.hyperparameters();
            for (Map<String, String> bad : new Map[] {entries("learning_rate", "0.3", "warp", "9"),
                    entries("learning_rate", "0.3", "eps", "Infinity"), entries("momentum", "0.3", "beta1", "x"),
                    entries("learning_rate", "0.3", "decoupled_weight_decay", "TRUE")}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> adam.restoreHyperparameters(bad), bad.toString());
                assertTrue(e.getMessage().contains("optimizer hyperparameter '"), e.getMessage());
                assertEquals(before, adam.hyperparameters(), "a refused restore changed something: " + bad);
            }
        }
    }

    private static Map<String, String> entries(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
