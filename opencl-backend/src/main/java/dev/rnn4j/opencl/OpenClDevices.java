package dev.rnn4j.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_VERSION;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Lists OpenCL platforms and devices through JOCL. The only class here that touches {@code org.jocl}: callers
 * reach it inside a guard, because loading JOCL fails with a {@link LinkageError} where no
 * {@code libOpenCL.so.1} is installed.
 */
final class OpenClDevices {
    /** {@code CL_PLATFORM_NOT_FOUND_KHR}: the ICD loader found no installed driver. */
    static final int PLATFORM_NOT_FOUND = -1001;

    /** One device, as its driver describes it. */
    record Device(int index, String platform, String platformVersion, String name, String version,
                  String driverVersion, long memoryBytes, int computeUnits, boolean cpu) {
        @Override
        public String toString() {
            return "opencl:" + index + " " + name + " (" + (cpu ? "CPU device, " : "") + platform + ", " + version
                    + ", driver " + driverVersion + ", " + (memoryBytes >> 20) + " MiB, " + computeUnits
                    + " compute units)";
        }
    }

    private OpenClDevices() {
    }

    /** Every device of every platform, numbered in that order; empty when there is no platform. */
    static List<Device> list() {
        CL.setExceptionsEnabled(false);
        int[] count = new int[1];
        int status = CL.clGetPlatformIDs(0, null, count);
        if (status == PLATFORM_NOT_FOUND || count[0] == 0) {
            return List.of();
        }
        if (status != CL.CL_SUCCESS) {
            throw new IllegalStateException("clGetPlatformIDs failed: " + CL.stringFor_errorCode(status));
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        List<Device> out = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String platformName = platformInfo(platform, CL_PLATFORM_NAME);
            String platformVersion = platformInfo(platform, CL_PLATFORM_VERSION);
            int[] n = new int[1];
            if (CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, n) != CL.CL_SUCCESS || n[0] == 0) {
                continue;
            }
            cl_device_id[] devices = new cl_device_id[n[0]];
            CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            for (cl_device_id d : devices) {
                out.add(new Device(out.size(), platformName, platformVersion, deviceInfo(d, CL_DEVICE_NAME),
                        deviceInfo(d, CL_DEVICE_VERSION), deviceInfo(d, CL_DRIVER_VERSION),
                        deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE), (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                        (deviceLong(d, CL.CL_DEVICE_TYPE) & CL.CL_DEVICE_TYPE_CPU) != 0));
            }
        }
        return out;
    }

    /** Every platform (exceptions on: callers have loaded JOCL already). */
    static List<cl_platform_id> platforms() {
        int[] count = new int[1];
        CL.clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        return List.of(platforms);
    }

    /** The devices of one platform, in the order {@link #list()} numbers them. */
    static List<cl_device_id> devices(cl_platform_id platform, long type) {
        int[] n = new int[1];
        boolean exceptions = true;
        CL.setExceptionsEnabled(false);
        int status = CL.clGetDeviceIDs(platform, type, 0, null, n);
        CL.setExceptionsEnabled(exceptions);
        if (status != CL.CL_SUCCESS || n[0] == 0) {
            return List.of();
        }
        cl_device_id[] devices = new cl_device_id[n[0]];
        CL.clGetDeviceIDs(platform, type, devices.length, devices, null);
        return List.of(devices);
    }

    private static String platformInfo(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String deviceInfo(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static long deviceLong(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 8, Pointer.to(b), null);
        return b.getLong(0);
    }

    private static long deviceInt(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 4, Pointer.to(b), null);
        return b.getInt(0) & 0xffffffffL;
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}
