package dev.rnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every kernel under both preludes with each compiler present: nvcc for CUDA (SASS for sm_80 and sm_90,
 * PTX for compute_75, every warning an error), every OpenCL device's driver (PoCL on the build machines) for
 * OpenCL. On CI both compilers must be there (.ci/run installs PoCL; nvcc is part of the machine image).
 */
class KernelSourceTest {
    static final boolean CI = System.getenv("CI") != null;

    @Test
    void launchConstantsMatchTheSource() {
        String body = KernelSource.opencl();
        Map<String, Integer> constants = Map.of("GEMM_TILE", KernelSource.GEMM_TILE, "GEMM_WORK",
                KernelSource.GEMM_BLOCK / KernelSource.GEMM_TILE, "STEP_GROUP", KernelSource.STEP_GROUP, "STEP_LANES",
                KernelSource.STEP_LANES, "STEP_MAX_BATCH", KernelSource.STEP_MAX_BATCH);
        constants.forEach((name, value) -> assertTrue(body.contains("#define " + name + " " + value + "\n"),
                name + " must be " + value + " in the kernels as in KernelSource"));
        assertEquals(0, KernelSource.STEP_GROUP % KernelSource.STEP_LANES);
    }

    @Test
    void theKernelsCodesAreTheJavaEnums() throws Exception {
        try (var in = KernelSource.class.getResourceAsStream("codes.h")) {
            assertEquals(KernelCodes.header(), new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "codes.h differs from KernelCodes.header(): write that text to codes.h");
        }
        assertTrue(KernelSource.body().startsWith(KernelCodes.header()), "codes.h comes first in sources.list");
    }

    @Test
    void sourcesNameEveryKernelOnce() {
        for (String k : KernelSource.KERNELS) {
            String body = KernelSource.opencl();
            assertEquals(1, body.split("KERNEL void " + k + "\\(", -1).length - 1, k);
        }
        assertTrue(KernelSource.cuda().startsWith("/* CUDA C++ dialect"));
        assertEquals(24, KernelSource.digest(KernelSource.opencl()).length());
    }

    static String nvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")) ? "/usr/local/cuda/bin/nvcc" : null;
    }

    @Test
    void compilesWithNvcc(@TempDir Path dir) throws Exception {
        String nvcc = nvcc();
        if (!CI) {
            assumeTrue(nvcc != null, "nvcc not found on PATH");
        }
        assertTrue(nvcc != null, "CI must compile the CUDA kernels, but nvcc is not on PATH");
        Path src = dir.resolve("cells.cu");
        Files.writeString(src, KernelSource.cuda());
        Path ptx = dir.resolve("cells.ptx");
        run(List.of(nvcc, "-ptx", "-arch=compute_75", "-Werror", "all-warnings", "-o", ptx.toString(),
                src.toString()));
        String text = Files.readString(ptx);
        for (String k : KernelSource.KERNELS) {
            assertTrue(text.contains(".entry " + k + "("), k + " missing from the PTX");
        }
        String report = run(List.of(nvcc, "-fatbin", "-gencode", "arch=compute_80,code=sm_80", "-gencode",
                "arch=compute_90,code=sm_90", "-Werror", "all-warnings", "-Xptxas", "-v", "-o",
                dir.resolve("cells.fatbin").toString(), src.toString()));
        assertTrue(Files.size(dir.resolve("cells.fatbin")) > 0);
        assertNoLocalMemory(report);
    }

    /**
     * ptxas's report (-Xptxas -v) names every kernel for each SASS target with its stack frame and spills: a kernel
     * with an array or spilled registers in local memory (recurrent_forward's per-row accumulators indexed at run
     * time, say) would run several times slower on the GPU, which no test here could otherwise notice.
     */
    private static void assertNoLocalMemory(String report) {
        Matcher m = Pattern.compile("Function properties for (\\w+)\\s+(\\d+) bytes stack frame, (\\d+) bytes spill "
                + "stores, (\\d+) bytes spill loads").matcher(report);
        Map<String, Integer> seen = new HashMap<>();
        while (m.find()) {
            seen.merge(m.group(1), 1, Integer::sum);
            assertTrue(m.group(2).equals("0") && m.group(3).equals("0") && m.group(4).equals("0"),
                    m.group(1) + " uses local memory: " + m.group());
        }
        for (String k : KernelSource.KERNELS) {
            assertEquals(2, seen.getOrDefault(k, 0), k + " should be reported for sm_80 and sm_90:\n" + report);
        }
    }

    /** The build made the fatbin the cuda backend loads wherever nvcc was there (always on CI). */
    @Test
    void theBuildShipsAFatbinWhenNvccIsPresent() {
        String nvcc = nvcc();
        if (!CI) {
            assumeTrue(nvcc != null, "nvcc not found on PATH");
        }
        byte[] fatbin = KernelSource.cudaFatbin();
        assertTrue(fatbin != null && fatbin.length > 16, "cells.fatbin missing from the kernels jar");
        // A fatbin container starts with the magic 0xBA55ED50, little-endian.
        assertEquals(0xBA55ED50, (fatbin[0] & 0xff) | (fatbin[1] & 0xff) << 8 | (fatbin[2] & 0xff) << 16
                | (fatbin[3] & 0xff) << 24);
    }

    /** Runs a command that must succeed; returns its output. */
    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    @Test
    void compilesOnEveryOpenClDevice() {
        List<cl_device_id> devices = new ArrayList<>();
        List<cl_platform_id> owners = new ArrayList<>();
        try {
            CL.setExceptionsEnabled(true);
            int[] n = new int[1];
            CL.setExceptionsEnabled(false);
            int status = CL.clGetPlatformIDs(0, null, n);
            CL.setExceptionsEnabled(true);
            if (status == CL.CL_SUCCESS && n[0] > 0) {
                cl_platform_id[] platforms = new cl_platform_id[n[0]];
                CL.clGetPlatformIDs(n[0], platforms, null);
                for (cl_platform_id p : platforms) {
                    int[] m = new int[1];
                    CL.setExceptionsEnabled(false);
                    CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, m);
                    CL.setExceptionsEnabled(true);
                    cl_device_id[] ds = new cl_device_id[m[0]];
                    if (m[0] > 0) {
                        CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, m[0], ds, null);
                    }
                    for (cl_device_id d : ds) {
                        devices.add(d);
                        owners.add(p);
                    }
                }
            }
        } catch (LinkageError e) {
            devices.clear();
        }
        if (!CI) {
            assumeTrue(!devices.isEmpty(), "no OpenCL device (apt-get install pocl-opencl-icd ocl-icd-libopencl1)");
        }
        assertTrue(!devices.isEmpty(), "CI must compile the OpenCL kernels, but no OpenCL device was found");
        for (int i = 0; i < devices.size(); i++) {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, owners.get(i));
            cl_context ctx = CL.clCreateContext(props, 1, new cl_device_id[] {devices.get(i)}, null, null, null);
            cl_program program = CL.clCreateProgramWithSource(ctx, 1, new String[] {KernelSource.opencl()}, null, null);
            try {
                CL.setExceptionsEnabled(false);
                int status = CL.clBuildProgram(program, 0, null, "-cl-std=CL1.2 -Werror", null, null);
                CL.setExceptionsEnabled(true);
                assertEquals(CL.CL_SUCCESS, status, "build failed: " + buildLog(program, devices.get(i)));
                for (String k : KernelSource.KERNELS) {
                    cl_kernel kernel = CL.clCreateKernel(program, k, null);
                    CL.clReleaseKernel(kernel);
                }
            } finally {
                CL.clReleaseProgram(program);
                CL.clReleaseContext(ctx);
            }
        }
    }

    static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).trim();
    }
}
