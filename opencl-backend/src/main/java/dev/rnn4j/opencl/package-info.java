/**
 * The OpenCL backend on JOCL. {@link dev.rnn4j.opencl.OpenClBackendProvider} probes platforms and devices behind a
 * guard (a missing {@code libOpenCL.so.1} becomes a reason, not a {@link LinkageError}); {@code OpenClBackend} holds
 * one context and in-order queue on the chosen device; {@code OpenClProgram} builds the shared kernels of
 * {@code rnn4j-kernels} once per device and caches the binary on disk (checked, rebuilt when corrupt);
 * {@code OpenClPrimitives} enqueues them without waiting, so the BPTT driver's whole schedule runs on device
 * buffers and the host sees data only at upload and download.
 */
package dev.rnn4j.opencl;
