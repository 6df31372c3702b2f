/**
 * The backend contract, for those who write a backend, kept small: a {@link dev.rnn4j.spi.BackendProvider} found
 * through {@link java.util.ServiceLoader} probes and opens a {@link dev.rnn4j.Backend}, which supplies memory,
 * transfers and {@link dev.rnn4j.spi.Primitives} (GEMM, fused cell steps, a few masked copies and reductions).
 * Everything above a single step is the BPTT driver's job.
 *
 * <p>Applications do not need this package. Before 1.0 it may change in any minor release; see the version policy
 * in {@code docs/versioning.md}.
 */
package dev.rnn4j.spi;
