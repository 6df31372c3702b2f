/**
 * The backend contract, kept small: a {@link dev.rnn4j.spi.BackendProvider} found through
 * {@link java.util.ServiceLoader} probes and opens a {@link dev.rnn4j.spi.Backend}, which supplies memory,
 * transfers and {@link dev.rnn4j.spi.Primitives} (GEMM, fused cell steps, a few masked copies and reductions).
 * Everything above a single step is the BPTT driver's job, in {@code dev.rnn4j.bptt}.
 */
package dev.rnn4j.spi;
