/**
 * ONNX interchange. {@link dev.rnn4j.onnx.OnnxRecurrentNode} turns one ONNX {@code RNN}, {@code LSTM} or
 * {@code GRU} node (its inputs {@code X, W, R, B, sequence_lens, initial_h, initial_c, P} and attributes) into an
 * rnn4j layer and produces {@code Y, Y_h, Y_c} exactly as the operator specification defines them;
 * {@link dev.rnn4j.onnx.OnnxModel} reads a {@code .onnx} file (through the schema subset in {@code src/main/proto},
 * compiled by protoc during the build) and evaluates graphs made of those nodes and a few shape operators.
 */
package dev.rnn4j.onnx;
