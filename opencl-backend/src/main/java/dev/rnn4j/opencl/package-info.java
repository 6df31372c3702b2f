/**
 * The OpenCL backend on JOCL: platform and device discovery, shared fused-cell kernels from rnn4j-kernels, GEMM
 * through CLBlast. Registered as provider {@code opencl}. Today it discovers platforms and devices (shown by
 * {@code rnn4j info}); the kernels and the device-side BPTT arrive with issue #6, which its probe reports.
 */
package dev.rnn4j.opencl;
