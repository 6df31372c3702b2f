/**
 * Jazzer fuzz tests of the readers of untrusted input (model files, ONNX models, checkpoints, run inputs), with
 * {@link dev.rnn4j.fuzz.DocumentedOutcome} saying what an input may do; the bench's argument parsers have theirs in
 * {@code dev.rnn4j.bench}. How they run, in CI and for long runs, is in the module's README.md.
 */
package dev.rnn4j.fuzz;
