/**
 * The CUDA backend on JCuda. {@link dev.rnn4j.cuda.CudaBackendProvider} probes the driver behind a guard (a missing
 * {@code libcuda.so.1} becomes a reason, not a {@link LinkageError}), and checks that the build carries the kernels'
 * fatbin and that a device can run it. {@code CudaBackend} holds the device's primary context, one stream and the
 * kernels of {@code rnn4j-kernels} loaded from the fatbin; {@code CudaPrimitives} launches them on the stream
 * without waiting (the argument lists are {@code KernelPrimitives}', shared with OpenCL). GEMMs go to cuBLAS bound
 * to the stream ({@code DeviceGemm}): through JCublas 12 ({@code CublasGemm}) where {@code libcublas.so.12} is, else
 * through JNA to libcublas itself ({@code NativeCublasGemm}, for CUDA 13's {@code libcublas.so.13}), else the shared
 * tiled GEMM kernel runs. Launches are recorded into a {@code LaunchBatch} and issued at once, or with CUDA graphs
 * on ({@code LaunchGraphs}) when the host next touches the stream, a repeated batch as one graph. Transfers pass
 * through two pinned host halves ({@code PinnedStaging}, on the schedule of {@code StagedTransfers}, which is tested
 * without a GPU against a simulated stream). Without a GPU, the tests run the backend whole against an emulated CUDA
 * driver built at test time ({@code EmulatedCuda} in the tests).
 */
package dev.rnn4j.cuda;
