package dev.rnn4j.io;

import java.util.Locale;

/** Element types of the safetensors format, with their sizes in bytes. */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E4M3(1), F8_E5M2(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether rnn4j converts it to float for weights and activations (F16, BF16, F32, F64). */
    public boolean isFloatingPoint() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** Whether it holds integers rnn4j can read as lengths (I32, I64). */
    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /** The dtype spelled {@code name}, or null if safetensors has none by that name. */
    static DType parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
