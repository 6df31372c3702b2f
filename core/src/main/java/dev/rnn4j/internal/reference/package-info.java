/**
 * Internal: the truth every backend is judged by. {@code ReferenceRnn} computes the whole stack in double precision,
 * one sequence and one step at a time, independently of the BPTT driver, and is checked by finite differences. The
 * reference backend (provider {@code reference}, selected by that name) runs the shared BPTT driver on plain-loop
 * primitives with double accumulation: always available, never fast.
 *
 * <p>Nothing under {@code dev.rnn4j.internal} is API: it is public only because other rnn4j modules (the
 * conformance suite among them) use it, and it may change in any release.
 */
package dev.rnn4j.internal.reference;
