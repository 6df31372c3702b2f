/**
 * Weights and tensors on disk: a validating safetensors reader ({@link dev.rnn4j.io.SafetensorsFile}) and atomic
 * writer, PyTorch-named model files with the spec in their metadata ({@link dev.rnn4j.io.RnnModelFile}), and the
 * input-file convention of {@code rnn4j run} ({@link dev.rnn4j.io.RunInputs}).
 */
package dev.rnn4j.io;
