/**
 * The batched BPTT schedule, written once and shared by every backend: {@link dev.rnn4j.bptt.BpttDriver} composes
 * the SPI primitives into forward, backward-data and backward-weights passes over a
 * {@link dev.rnn4j.bptt.Workspace} planned once per shape. Public for backends that want to reuse the pieces;
 * applications use {@link dev.rnn4j.RecurrentLayer}. {@link dev.rnn4j.bptt.MemoryPlan} tells what a shape will
 * hold before anything is allocated.
 */
package dev.rnn4j.bptt;
