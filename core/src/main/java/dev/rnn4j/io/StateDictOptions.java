package dev.rnn4j.io;

import java.util.Objects;

/**
 * How {@link RnnModelFile#loadStateDict} reads a recurrent layer's tensors out of a state_dict, as PyTorch's
 * {@code load_state_dict} does.
 *
 * @param prefix the layer's place in a larger model's state_dict, e.g. {@code "encoder.lstm."}: tensor
 *               {@code weight_ih_l0} is read from key {@code encoder.lstm.weight_ih_l0}, and keys outside the
 *               prefix belong to other modules and are left alone; empty for a layer's own state_dict
 * @param strict whether a missing or unexpected key (under the prefix) is an error, as PyTorch's
 *               {@code strict=True}; when false they are reported and the missing parameters keep their values
 */
public record StateDictOptions(String prefix, boolean strict) {
    public StateDictOptions {
        Objects.requireNonNull(prefix, "prefix");
    }

    /** No prefix, strict: a layer's own state_dict, every key accounted for. */
    public static StateDictOptions defaults() {
        return new StateDictOptions("", true);
    }

    /** The same, under {@code prefix}. */
    public StateDictOptions withPrefix(String prefix) {
        return new StateDictOptions(prefix, strict);
    }

    /** The same, not strict: missing and unexpected keys are reported, not refused. */
    public StateDictOptions nonStrict() {
        return new StateDictOptions(prefix, false);
    }
}
