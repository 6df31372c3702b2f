package dev.rnn4j.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * The only door to the Vector API classes: {@link CpuBackendProvider} calls it inside a guard, so a JVM without
 * {@code jdk.incubator.vector} gets a {@link LinkageError} there (turned into a scalar fallback and a probe line)
 * instead of failing to load the backend.
 */
final class VectorKernels {
    private VectorKernels() {
    }

    /** A GEMM on {@code pool}, as {@code -Drnn4j.cpu.batchInvariant} says. */
    static Gemm gemm(WorkerPool pool) {
        return new VectorGemm(pool);
    }

    /** A GEMM on {@code pool}, batch-invariant or not as asked. */
    static Gemm gemm(WorkerPool pool, boolean batchInvariant) {
        return new VectorGemm(pool, GemmPacking.aAsRows(System.getProperty(GemmPacking.PROPERTY),
                Runtime.version().feature()), batchInvariant);
    }

    /**
     * A step loop over {@code pool}'s parts, each with a single-threaded GEMM on {@code inline}, a one-part pool, for
     * steps of at least {@code minStepWork} multiply-adds; batch-invariant as {@code -Drnn4j.cpu.batchInvariant}
     * says.
     */
    static StepLoop stepLoop(WorkerPool pool, WorkerPool inline, CellKernels cells, long minStepWork) {
        return stepLoop(pool, inline, cells, minStepWork, CpuBackendProvider.batchInvariant());
    }

    /** As above, its lanes' GEMMs batch-invariant or not as asked. */
    static StepLoop stepLoop(WorkerPool pool, WorkerPool inline, CellKernels cells, long minStepWork,
                             boolean batchInvariant) {
        VectorGemm[] lanes = new VectorGemm[pool.parts()];
        for (int p = 0; p < lanes.length; p++) {
            lanes[p] = (VectorGemm) gemm(inline, batchInvariant);
        }
        return new StepLoop(pool, cells, lanes, minStepWork);
    }

    static CellKernels cells() {
        return new VectorCells();
    }

    /**
     * e.g. "512-bit vectors (16 floats), fused multiply-add", and the GEMM tile where the register file makes it
     * narrow.
     */
    static String describe() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors ("
                + FloatVector.SPECIES_PREFERRED.length() + " floats), " + MultiplyAdd.describe()
                + (VectorGemm.WIDE_REGISTERS ? "" : MultiplyAdd.FUSED
                ? ", 16 vector registers: GEMM tile 4 rows x 3 vectors" : ", GEMM tile 4 rows x 3 vectors");
    }
}
