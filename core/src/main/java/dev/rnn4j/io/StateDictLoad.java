package dev.rnn4j.io;

import dev.rnn4j.RnnParameters;
import java.util.List;

/**
 * What {@link RnnModelFile#loadStateDict} read, and what it did not, as PyTorch's {@code load_state_dict} reports.
 *
 * @param weights        the loaded weights: every parameter the file held, the others as they were
 * @param missingKeys    the keys (prefix included) the layer has and the file lacks
 * @param unexpectedKeys the keys under the prefix the file holds and the layer does not have
 */
public record StateDictLoad(RnnParameters weights, List<String> missingKeys, List<String> unexpectedKeys) {
    public StateDictLoad {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }
}
