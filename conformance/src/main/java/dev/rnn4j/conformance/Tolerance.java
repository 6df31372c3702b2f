package dev.rnn4j.conformance;

/**
 * How close a backend's float results must be to the double-precision oracle: {@code |actual − expected| ≤
 * abs + rel·|expected|}, both bounds grown with the reduction length (benchdnn's rule: a factor of log2 of the
 * longest sum that feeds the value), and doubled for gradients, whose error compounds through the backward recurrence.
 *
 * @param abs absolute bound before scaling
 * @param rel relative bound before scaling
 */
public record Tolerance(double abs, double rel) {
    /** Float32 arithmetic with float accumulation in any order: what every backend must meet unless it documents why not. */
    public static final Tolerance FP32 = new Tolerance(2e-6, 2e-5);

    /** This tolerance for values that come out of sums of up to {@code reductionLength} terms. */
    public Tolerance forReduction(int reductionLength) {
        double factor = Math.max(1, Math.log(Math.max(2, reductionLength)) / Math.log(2));
        return new Tolerance(abs * factor, rel * factor);
    }

    /** This tolerance for gradients. */
    public Tolerance forGradients() {
        return new Tolerance(abs * 2, rel * 2);
    }

    /** Null when all of {@code actual} is within bounds of {@code expected}, otherwise a description of the worst element. */
    public String compare(String what, double[] expected, float[] actual) {
        if (expected == null || actual == null) {
            return expected == null && actual == null ? null : what + ": one of expected/actual is missing";
        }
        if (expected.length != actual.length) {
            return what + ": expected " + expected.length + " values, got " + actual.length;
        }
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double bound = abs + rel * Math.abs(expected[i]);
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= bound) && (worst < 0 || diff - bound > worstExcess || Double.isNaN(diff))) {
                worst = i;
                worstExcess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff - bound;
            }
        }
        if (worst < 0) {
            return null;
        }
        return what + "[" + worst + "]: expected " + expected[worst] + ", got " + actual[worst] + " (|diff| "
                + Math.abs(actual[worst] - expected[worst]) + " > " + (abs + rel * Math.abs(expected[worst]))
                + " allowed by " + this + ")";
    }
}
