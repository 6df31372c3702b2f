/**
 * The CPU backend: GEMM, fused cells and threads written with the Java Vector API ({@code jdk.incubator.vector}),
 * with a scalar twin for every vector routine. Registered as provider {@code cpu}; not yet implemented (issue #3),
 * which its probe reports.
 */
package dev.rnn4j.cpu;
