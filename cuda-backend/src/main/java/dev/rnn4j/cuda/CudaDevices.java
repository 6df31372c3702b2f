package dev.rnn4j.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Finds the CUDA driver and devices through JCuda's driver API. The only class here that touches
 * {@code jcuda.driver}: callers reach it inside a guard, because loading JCuda's natives fails with a
 * {@link LinkageError} where {@code libcuda.so.1} is missing.
 */
final class CudaDevices {

    /** One device, as the driver describes it. */
    record Device(int index, String name, long memoryBytes, int major, int minor, int multiprocessors) {
        @Override
        public String toString() {
            return "cuda:" + index + " " + name + " (compute capability " + major + "." + minor + ", "
                    + (memoryBytes >> 20) + " MiB, " + multiprocessors + " SMs)";
        }
    }

    /**
     * What the driver reported.
     *
     * @param driverVersion e.g. 12060 for CUDA 12.6, or -1 if {@code cuInit} failed
     * @param failure       null, or the driver call that failed and its error, e.g. "cuInit failed with
     *                      CUDA_ERROR_NO_DEVICE"
     * @param devices       the devices
     */
    record Survey(int driverVersion, String failure, List<Device> devices) {
        static Survey failed(int driverVersion, String call, int status) {
            return new Survey(driverVersion, call + " failed with " + CUresult.stringFor(status), List.of());
        }
    }

    private CudaDevices() {
    }

    /** Initialises the driver API and lists devices; return codes, not exceptions, so each failure gets a reason. */
    static Survey survey() {
        JCudaDriver.setExceptionsEnabled(false);
        int status = JCudaDriver.cuInit(0);
        int[] version = {-1};
        JCudaDriver.cuDriverGetVersion(version);
        if (status != CUresult.CUDA_SUCCESS) {
            return Survey.failed(version[0], "cuInit", status);
        }
        int[] count = new int[1];
        status = JCudaDriver.cuDeviceGetCount(count);
        if (status != CUresult.CUDA_SUCCESS) {
            return Survey.failed(version[0], "cuDeviceGetCount", status);
        }
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            CUdevice d = new CUdevice();
            byte[] name = new byte[256];
            long[] memory = new long[1];
            status = JCudaDriver.cuDeviceGet(d, i);
            if (status == CUresult.CUDA_SUCCESS) {
                status = JCudaDriver.cuDeviceGetName(name, name.length, d);
            }
            if (status == CUresult.CUDA_SUCCESS) {
                status = JCudaDriver.cuDeviceTotalMem(memory, d);
            }
            if (status != CUresult.CUDA_SUCCESS) {
                return Survey.failed(version[0], "the query of device " + i, status);
            }
            out.add(new Device(i, cString(name), memory[0],
                    attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)));
        }
        return new Survey(version[0], null, out);
    }

    private static int attribute(CUdevice d, int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attribute, d);
        return v[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
