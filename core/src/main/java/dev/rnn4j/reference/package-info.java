/**
 * The truth every backend is judged by. {@link dev.rnn4j.reference.ReferenceRnn} computes the whole stack in double
 * precision, one sequence and one step at a time, independently of the BPTT driver, and is checked by finite
 * differences. The reference backend (provider {@code reference}) runs the shared BPTT driver on plain-loop
 * primitives with double accumulation: always available, never fast.
 */
package dev.rnn4j.reference;
