package dev.rnn4j.spi;

/**
 * The counter-based hash every backend's dropout uses, so that masks are the same bits everywhere and need no
 * random state: element i of a call with seed s is kept when {@link #uniform}(s, i) ≥ p. The mixer is Chris
 * Wellons' "lowbias32" (public domain), applied to the index and to both halves of the seed.
 */
public final class DropoutHash {
    private DropoutHash() {
    }

    /** lowbias32: a 32-bit integer permutation with good avalanche. */
    public static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    /** A value in [0, 1) for element {@code i} of seed {@code seed}: 24 bits of the hash. */
    public static float uniform(long seed, long i) {
        int h = mix((int) i ^ mix((int) seed) ^ mix((int) (seed >>> 32) + 0x632be5ab));
        return (h >>> 8) * 0x1p-24f;
    }
}
