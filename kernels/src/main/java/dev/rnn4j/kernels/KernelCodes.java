package dev.rnn4j.kernels;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.spi.OptimizerArgs;

/**
 * The codes the kernels and the Java side share, from the Java enums: a cell is {@link CellType}'s ordinal, an
 * activation {@link Activation.Function}'s, an optimizer {@link OptimizerArgs.Kind}'s, a word of a step
 * configuration's device form {@link StepConfigWords}'. The kernels read them from {@code codes.h}, which is {@link
 * #header()} committed; a test fails when the two differ, so an enum that gains or reorders a value cannot silently
 * change what a kernel computes.
 */
public final class KernelCodes {
    private KernelCodes() {
    }

    /** The text of {@code codes.h}. */
    public static String header() {
        StringBuilder h = new StringBuilder();
        h.append("/* Generated from the Java enums by KernelCodes.header(); KernelSourceTest checks it. Do not edit. */\n");
        for (CellType c : CellType.values()) {
            h.append("#define CELL_").append(c.name()).append(' ').append(c.ordinal()).append('\n');
        }
        for (Activation.Function f : Activation.Function.values()) {
            h.append("#define ACT_").append(f.name()).append(' ').append(f.ordinal()).append('\n');
        }
        for (OptimizerArgs.Kind k : OptimizerArgs.Kind.values()) {
            h.append("#define OPT_").append(k.name()).append(' ').append(k.ordinal()).append('\n');
        }
        for (StepConfigWords w : StepConfigWords.values()) {
            h.append("#define CFG_").append(w.name()).append(' ').append(w.ordinal()).append('\n');
        }
        h.append("#define CFG_WORDS ").append(StepConfigWords.values().length).append('\n');
        return h.toString();
    }
}
