/**
 * Internal: the batched BPTT schedule, written once and shared by every backend. {@code BpttDriver} composes the SPI
 * primitives into forward, backward-data and backward-weights passes over a {@code Workspace} planned once per
 * shape; {@code MemoryPlan} tells what a shape will hold before anything is allocated. Applications use
 * {@link dev.rnn4j.RecurrentLayer}.
 *
 * <p>Nothing under {@code dev.rnn4j.internal} is API: it is public only because other rnn4j modules use it, and it
 * may change in any release.
 */
package dev.rnn4j.internal.bptt;
