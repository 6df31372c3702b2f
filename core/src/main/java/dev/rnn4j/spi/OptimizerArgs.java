package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;

/**
 * One optimizer step over {@code n} parameters, PyTorch's update rules with L2 weight decay {@code λ} added to the
 * gradient ({@code g' = g + λ·w}) unless {@link #decoupledWeightDecay} (AdamW: {@code w −= lr·λ·w} first):
 * <ul>
 *   <li>{@link Kind#SGD}: with momentum μ, {@code buf = μ·buf + g'} (state1, zero at the start), {@code w −= lr·buf};
 *       without, {@code w −= lr·g'};</li>
 *   <li>{@link Kind#ADAM}: {@code m = β1·m + (1−β1)·g'}, {@code v = β2·v + (1−β2)·g'²} (state1, state2),
 *       {@code w −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)} at step t ≥ 1;</li>
 *   <li>{@link Kind#RMSPROP}: {@code sq = α·sq + (1−α)·g'²} (state1), {@code w −= lr·g'/(√sq + eps)}.</li>
 * </ul>
 * A reusable block, filled per tensor.
 */
public final class OptimizerArgs {
    /** The update rule. */
    public enum Kind { SGD, ADAM, RMSPROP }

    public Kind kind = Kind.SGD;
    public long n;
    public DeviceBuffer weights;
    public long weightsOffset;
    public DeviceBuffer gradients;
    public long gradientsOffset;
    /** SGD's momentum buffer, Adam's first moment, RMSprop's square average; null for plain SGD. */
    public DeviceBuffer state1;
    public long state1Offset;
    /** Adam's second moment; else null. */
    public DeviceBuffer state2;
    public long state2Offset;
    public float learningRate;
    public float weightDecay;
    /** AdamW's decoupled weight decay instead of L2 added to the gradient. */
    public boolean decoupledWeightDecay;
    /** SGD momentum μ (0: none). */
    public float momentum;
    public float beta1 = 0.9f;
    public float beta2 = 0.999f;
    /** RMSprop's smoothing α. */
    public float alpha = 0.99f;
    public float eps = 1e-8f;
    /** Adam's step count t, from 1. */
    public long step = 1;
}
