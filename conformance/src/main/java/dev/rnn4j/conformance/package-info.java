/**
 * The conformance suite every backend runs: {@link dev.rnn4j.conformance.BackendConformanceSuite} compares a
 * backend's forward outputs, final states and every gradient with the double-precision oracle
 * ({@link dev.rnn4j.internal.reference.ReferenceRnn}) over {@link dev.rnn4j.conformance.ConformanceCases}, and with
 * PyTorch through committed fixtures. A backend module adds a one-line subclass naming its provider; an unavailable
 * device skips with the probe's reason.
 */
package dev.rnn4j.conformance;
