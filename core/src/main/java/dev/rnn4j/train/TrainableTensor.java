package dev.rnn4j.train;

import dev.rnn4j.DeviceBuffer;

/**
 * One parameter tensor of a model on the device, with its gradient accumulator: what optimizers update, gradient
 * clipping measures and checkpoints save.
 *
 * @param name     unique within its model, e.g. {@code rnn.weight_hh_l0}, {@code head.weight}
 * @param value    the parameters
 * @param gradient the gradient of the loss, same size
 * @param shape    for checkpoints
 */
public record TrainableTensor(String name, DeviceBuffer value, DeviceBuffer gradient, long[] shape) {
    /** Elements. */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
