/**
 * The CPU backend (provider {@code cpu}): SGEMM, fused cell steps and a shared worker pool written with the Java
 * Vector API ({@code jdk.incubator.vector}), each with a scalar twin ({@link dev.rnn4j.cpu.ScalarGemm},
 * {@link dev.rnn4j.cpu.ScalarCells}) that serves as the in-module oracle and as the path taken when the module is
 * not readable or {@code -Drnn4j.cpu.scalar=true} is set; the probe says which is in use.
 *
 * <p>The BPTT schedule itself is core's {@code BpttDriver}; this package supplies its primitives. The GEMM
 * ({@link dev.rnn4j.cpu.VectorGemm}) packs B into panels (kept across calls for unchanged weight buffers) and A
 * into micro-panels, and runs an 8 × 3-vector register-blocked micro-kernel, as two 4 × 3 halves where the machine
 * has 16 vector registers rather than 32 ({@link dev.rnn4j.cpu.RegisterFile}: x86 below AVX-512); batches of 1 or 2
 * rows take row kernels on the same packed panels. A short A (the per-step recurrent GEMM, batch rows) is split
 * across threads by column panels, that is by gate rows of W, a tall one by row blocks; batches of three or four
 * rows take full panels two at a time. A layer direction's forward steps run as one {@link dev.rnn4j.cpu.StepLoop}
 * on the pool (each thread its slice of the hidden units, GEMM and cells, meeting once per step) where a step is
 * large enough to split. Every kernel's multiply-add goes through {@link dev.rnn4j.cpu.MultiplyAdd}: fused where
 * the JIT has FMA instructions, a multiply and an add where it does not (HotSpot's UseFMA off: CPUs before AVX2,
 * {@code -XX:UseAVX=0}), where {@code FloatVector.fma} would run the software {@code Math.fma}. Measured with
 * {@code -XX:UseAVX=0} (SSE, 128-bit) on the 2-core AVX-512 host, 2026-12-06: 64×1024×1024 SGEMM 16.6 GFLOP/s
 * against 0.9 for the scalar twins, infer:LSTM:256:256:1:100 6.4 ms against 78.5.
 * A weight buffer declared bfloat16 or int8 ({@code Primitives.keepWeightsCompact}) is read by the row kernels from
 * {@link dev.rnn4j.cpu.CompactPanels} (two or four values per int) through {@link dev.rnn4j.cpu.CompactKernels},
 * with the float row kernel's bits; larger batches read float panels of the same values.
 *
 * <p>Activations: sigmoid is {@code 1 / (1 + exp(−x))} and tanh is {@code VectorOperators.TANH}, both intrinsified
 * on x86 (SVML stubs). Measured on the project's 2-core Zen 4 machine (JDK 17, 2026-11-25, 4096-float arrays): TANH
 * 0.65 ns per element, the exp-based sigmoid 0.41 ns; a rational tanh x·P(x²)/Q(x²) of degrees 4/4 fitted for this
 * purpose ran at 0.41 ns but evaluates to 5.6 ulps in float against 2 for TANH. Cells are about 5% of a layer's
 * time, so the faster tanh would buy about 1% of a layer for a threefold loss of accuracy: the intrinsics stay,
 * and {@code VectorActivationsTest} holds them to 3 ulps (sigmoid) and 2 ulps (tanh). Their one flaw: C2 computes
 * them with SVML while the interpreter and C1 fall back to {@code Math} lane by lane, and the two disagree in the last
 * bit for about 1 input in 200, so the same call can give other bits before and after the JIT compiles a kernel.
 * {@code -Drnn4j.cpu.activations=exact} swaps in {@link dev.rnn4j.cpu.VectorMath} (adds, multiplies and bit
 * operations only, same ulp bounds), which makes every CPU result reproducible to the bit, the condition for a
 * resumed training run to retrace an uninterrupted one; it costs 12-35% on LSTM layers (2026-11-30,
 * {@code rnn4j bench --suite pytorch-peer}: train:LSTM:256:256:32:50 19 ms against 14, train:LSTM:512:512:64:25 56
 * against 50), because the larger kernels exceed C2's inlining budget: {@code -XX:+PrintInlining} shows
 * {@code NodeCountInliningCutoff} and "callee is too large" at the activations' call sites, and moving the
 * activations into array passes out of the kernels (tried) did not change that. The GEMM is reproducible on either setting: its paths are chosen by shape,
 * never by which calls came before.
 *
 * <p>Cell variants: the LSTM with peepholes, input_forget, gate and cell clipping has one vector kernel pair
 * ({@code lstmVariantForward/Backward}) taking each variant as data (zero peepholes, an infinite bound, a lane mask)
 * rather than as branches around vector code; gate clipping of the RNN and GRU cells runs on the scalar twin for
 * now. Measured (LSTM 512/512/32/50): inference 42 ms with peepholes against 37 plain (2 threads); the training
 * forward with peepholes depends on the JVM: single-threaded 82 ms in one JVM and 118 in the next, against 73 plain,
 * so C2 still compiles this kernel badly at times (not yet understood; a JFR profile shows no hot spot in the
 * cells). Backward is within 10% of plain.
 */
package dev.rnn4j.cpu;
