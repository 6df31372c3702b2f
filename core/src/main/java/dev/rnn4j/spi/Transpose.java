package dev.rnn4j.spi;

/** Whether a GEMM operand is used as stored or transposed. */
public enum Transpose {
    /** op(A) = A. */
    NO,
    /** op(A) = Aᵀ. */
    YES
}
