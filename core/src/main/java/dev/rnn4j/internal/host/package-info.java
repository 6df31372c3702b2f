/**
 * Internal: the host-memory backend the reference and CPU backends share: buffers that are Java arrays
 * ({@code HostBuffer}), the backend around them ({@code HostBackend}), the data moves both need
 * ({@code HostPrimitives}) and the training primitives in float ({@code HostTrainingPrimitives}). A host backend
 * supplies only its compute: the reference its oracle formulas in double, the CPU backend its vector kernels and
 * worker pool.
 *
 * <p>Nothing under {@code dev.rnn4j.internal} is API: it is public only because other rnn4j modules use it, and it
 * may change in any release.
 */
package dev.rnn4j.internal.host;
