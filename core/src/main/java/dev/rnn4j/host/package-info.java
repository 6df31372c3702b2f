/**
 * The host-memory backend the reference and CPU backends share: buffers that are Java arrays ({@link
 * dev.rnn4j.host.HostBuffer}), the backend around them ({@link dev.rnn4j.host.HostBackend}), the data moves both need
 * ({@link dev.rnn4j.host.HostPrimitives}) and the training primitives in float ({@link
 * dev.rnn4j.host.HostTrainingPrimitives}). A host backend supplies only its compute: the reference its oracle
 * formulas in double, the CPU backend its vector kernels and worker pool.
 */
package dev.rnn4j.host;
