package dev.rnn4j.cpu;

import java.util.Locale;

/**
 * How many vector registers the machine has, which decides the GEMM tile's width: x86 has 32 with AVX-512 and 16
 * below it (AVX2, SSE, whatever the CPU could do if the JVM is limited with {@code -XX:UseAVX}); aarch64 (NEON,
 * SVE) has 32. Others are taken as 32.
 */
final class RegisterFile {
    /** System property forcing the count: {@code 16} or {@code 32}. */
    static final String PROPERTY = "rnn4j.cpu.registers";

    private RegisterFile() {
    }

    /**
     * Whether there are 32 vector registers.
     *
     * @param forced     the property's value, or null
     * @param arch       {@code os.arch}
     * @param vectorBits the preferred species' size
     * @throws IllegalArgumentException for a forced value other than 16 or 32
     */
    static boolean wide(String forced, String arch, int vectorBits) {
        if (forced != null && !forced.isBlank()) {
            return switch (forced.trim()) {
                case "16" -> false;
                case "32" -> true;
                default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + forced + " is neither 16 nor 32");
            };
        }
        String a = arch == null ? "" : arch.toLowerCase(Locale.ROOT);
        boolean x86 = a.equals("amd64") || a.equals("x86_64") || a.equals("x86") || a.equals("i386");
        return !x86 || vectorBits >= 512;
    }
}
