package dev.rnn4j.cuda;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.List;
import java.util.Random;

/**
 * Run by {@link NativeCublasGemmTest} in a JVM of its own (the binding is made once per JVM, and this one binds to
 * the stand-in library named by the first argument): row-major products of every transpose combination, padded
 * leading dimensions and offsets through {@link NativeCublasGemm#sgemmAt}, checked element by element; the stream,
 * the version, errors and close. Prints "fake cuBLAS checks passed" and exits 0, else exits 1 with the reason.
 */
public final class FakeCublasCheck {
    private FakeCublasCheck() {
    }

    public static void main(String[] args) {
        try {
            run(args[0]);
            System.out.println("fake cuBLAS checks passed");
        } catch (RuntimeException | AssertionError e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run(String library) {
        String[] why = new String[1];
        NativeCublasGemm gemm = NativeCublasGemm.open(List.of("libcublas-absent.so.99", library), 0x5eedL, why);
        expect(gemm != null, "open: " + why[0]);
        NativeLibrary fake = NativeLibrary.getInstance(library);
        expect(fake.getFunction("fake_last_stream").invokeLong(new Object[0]) == 0x5eedL, "bound to the stream");
        expect(gemm.version() == 130001, "version " + gemm.version());
        expect(gemm.description().startsWith("cuBLAS 13.0.1 (") && gemm.description().contains("through JNA"),
                gemm.description());
        Random r = new Random(3);
        int m = 3;
        int n = 5;
        int k = 4;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 0.5f}) {
                    // Stored shapes (row-major): A m×k or, transposed, k×m; B k×n or n×k; each row padded by 2.
                    int lda = (ta ? m : k) + 2;
                    int ldb = (tb ? k : n) + 2;
                    int ldc = n + 2;
                    int offA = 1;
                    int offB = 3;
                    int offC = 2;
                    float[] a = random(r, offA + (ta ? k : m) * lda);
                    float[] b = random(r, offB + (tb ? n : k) * ldb);
                    float[] c = random(r, offC + m * ldc);
                    if (beta == 0) {
                        java.util.Arrays.fill(c, Float.NaN); // not read with beta 0
                    }
                    float alpha = 1.5f;
                    float[] expected = c.clone();
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = 0;
                            for (int p = 0; p < k; p++) {
                                float x = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
                                float y = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                                sum += (double) x * y;
                            }
                            int at = offC + i * ldc + j;
                            expected[at] = (float) (alpha * sum + (beta == 0 ? 0 : beta * c[at]));
                        }
                    }
                    Memory ma = memory(a);
                    Memory mb = memory(b);
                    Memory mc = memory(c);
                    gemm.sgemmAt(ta, tb, m, n, k, alpha, Pointer.nativeValue(ma) + 4L * offA, lda,
                            Pointer.nativeValue(mb) + 4L * offB, ldb, beta, Pointer.nativeValue(mc) + 4L * offC, ldc);
                    float[] got = mc.getFloatArray(0, c.length);
                    for (int i = 0; i < c.length; i++) {
                        boolean same = Float.isNaN(expected[i]) ? Float.isNaN(got[i])
                                : Math.abs(expected[i] - got[i]) <= 1e-5f * (1 + Math.abs(expected[i]));
                        expect(same, "transA " + ta + " transB " + tb + " beta " + beta + " at " + i + ": expected "
                                + expected[i] + ", got " + got[i]);
                    }
                }
            }
        }
        try {
            gemm.sgemmAt(false, false, 2, 2, 2, 1f, 0, 1, 0, 2, 0f, 0, 2); // lda 1 < k 2
            throw new AssertionError("a bad leading dimension must fail");
        } catch (IllegalStateException e) {
            expect(e.getMessage().equals("cublasSgemm failed: CUBLAS_STATUS_INVALID_VALUE"), e.getMessage());
        }
        gemm.close();
        expect(fake.getFunction("fake_open_handles").invokeInt(new Object[0]) == 0, "handle destroyed");
        gemm.close();
        try {
            gemm.sgemmAt(false, false, 1, 1, 1, 1f, 0, 1, 0, 1, 0f, 0, 1);
            throw new AssertionError("a closed handle must refuse work");
        } catch (IllegalStateException e) {
            expect(e.getMessage().contains("after close"), e.getMessage());
        }
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static Memory memory(float[] v) {
        Memory m = new Memory(4L * v.length);
        m.write(0, v, 0, v.length);
        return m;
    }

    private static void expect(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
