package dev.rnn4j.kernels;

/**
 * How {@code recurrent_sequence} covers a layer direction: {@code groups} work-groups of
 * {@link KernelSource#STEP_GROUP} items, each owning {@code units} hidden units (the last group the rest) and holding
 * their gate rows of W_hh in {@code localFloats} floats of local memory; all steps in one launch when
 * {@code allStepsPerLaunch}, else one launch per step.
 */
public record SequencePlan(int units, int groups, int localFloats, boolean allStepsPerLaunch) {
    /**
     * The plan for a layer of {@code hidden} units with {@code gates} gate rows each, rows {@code k} long.
     *
     * @param residentGroups how many groups the device is guaranteed to keep running at once (a CUDA cooperative
     *                       launch's limit), or 0 where nothing is guaranteed: then all steps share a launch only
     *                       when one group holds every unit, since groups that wait for one another at the barrier
     *                       between steps must all be running
     * @param localBytes     the local memory a group may use for its rows of W_hh
     * @return the plan, or null where W_hh does not fit on chip (not even one unit's rows per group, or not across
     *         the groups that can be resident)
     */
    public static SequencePlan of(int gates, int hidden, int k, int residentGroups, long localBytes) {
        if (gates < 1 || hidden < 1 || k < 1 || residentGroups < 0) {
            throw new IllegalArgumentException("gates " + gates + ", hidden " + hidden + ", k " + k
                    + ", resident groups " + residentGroups);
        }
        long unitBytes = (long) gates * k * Float.BYTES;
        long fitting = Math.min(hidden, localBytes / unitBytes);
        if (fitting < 1) {
            return null;
        }
        int units;
        if (residentGroups > 0) {
            units = (hidden + residentGroups - 1) / residentGroups;
            if (units > fitting) {
                return null;
            }
        } else {
            units = (int) fitting;
        }
        int groups = (hidden + units - 1) / units;
        return new SequencePlan(units, groups, gates * units * k, residentGroups > 0 || groups == 1);
    }
}
