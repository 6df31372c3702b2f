package dev.rnn4j;

/** Element type of a {@link DeviceBuffer}. */
public enum ElementType {
    /** IEEE 754 binary32: activations, weights, gradients. */
    FLOAT32,
    /** 32-bit signed integers: sequence lengths. */
    INT32
}
