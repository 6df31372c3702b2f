/**
 * The CUDA backend on JCuda: driver API for contexts, modules, memory and streams, cuBLAS for GEMM, kernels from
 * rnn4j-kernels. Registered as provider {@code cuda}. Today it finds the driver and devices (shown by
 * {@code rnn4j info}) behind a guard that turns a missing {@code libcuda.so.1} into a reason; the kernels and the
 * device-side BPTT arrive with issue #7, which its probe reports.
 */
package dev.rnn4j.cuda;
