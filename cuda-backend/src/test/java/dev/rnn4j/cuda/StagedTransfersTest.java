package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/**
 * The two-half transfer schedule that {@link PinnedStaging} runs on CUDA, here against a simulated stream whose
 * copies run only when something waits (or at the end), reading and writing the halves at that moment: a half
 * refilled before the copy that last used it completed, or unpacked before its copy ran, gives wrong data.
 */
class StagedTransfersTest {
    /** A device address: an element offset into the simulated device memory. */
    record Address(int base) {
    }

    /** An in-order stream of copies between two halves and a device memory, run lazily. */
    static final class SimulatedStream extends StagedTransfers<Address> {
        final ByteBuffer device;
        final ByteBuffer[] halves = new ByteBuffer[2];
        final Deque<int[]> pending = new ArrayDeque<>(); // {half, toDevice ? 1 : 0, device element, count}
        int waits;

        SimulatedStream(int halfElements, int deviceElements) {
            super(halfElements);
            device = ByteBuffer.allocate(deviceElements * 4).order(ByteOrder.nativeOrder());
            for (int h = 0; h < 2; h++) {
                halves[h] = ByteBuffer.allocate(halfElements * 4);
                half(h, halves[h]);
            }
        }

        @Override
        protected void toDevice(int h, Address dst, long at, int count) {
            pending.add(new int[] {h, 1, dst.base() + (int) at, count});
        }

        @Override
        protected void fromDevice(int h, Address src, long at, int count) {
            pending.add(new int[] {h, 0, src.base() + (int) at, count});
        }

        @Override
        protected void awaitHalf(int h) {
            waits++;
            // In stream order, up to and including the last copy that uses half h.
            int last = -1;
            int i = 0;
            for (int[] op : pending) {
                if (op[0] == h) {
                    last = i;
                }
                i++;
            }
            for (int k = 0; k <= last; k++) {
                run(pending.poll());
            }
        }

        void drain() {
            while (!pending.isEmpty()) {
                run(pending.poll());
            }
        }

        private void run(int[] op) {
            ByteBuffer half = halves[op[0]];
            for (int e = 0; e < op[3]; e++) {
                if (op[1] == 1) {
                    device.putInt((op[2] + e) * 4, half.getInt(e * 4));
                } else {
                    half.putInt(e * 4, device.getInt((op[2] + e) * 4));
                }
            }
        }
    }

    @Test
    void uploadsLandWhateverTheirLengthAgainstTheHalves() {
        int half = 5;
        for (int n : new int[] {0, 1, 4, 5, 6, 10, 11, 28}) {
            SimulatedStream s = new SimulatedStream(half, 40);
            float[] src = new float[n + 7];
            for (int i = 0; i < src.length; i++) {
                src[i] = i * 1.5f + 0.25f;
            }
            s.upload(src, 7, new Address(3), n);
            s.drain();
            for (int i = 0; i < n; i++) {
                assertEquals(src[7 + i], s.device.getFloat((3 + i) * 4), "n=" + n + " element " + i);
            }
            assertEquals(0f, s.device.getFloat(2 * 4), "nothing before the destination");
            assertEquals(0f, s.device.getFloat((3 + n) * 4), "nothing past it");
        }
    }

    @Test
    void intUploadsKeepTheirBits() {
        SimulatedStream s = new SimulatedStream(4, 20);
        int[] src = {-1, 0x7f800001, 3, Integer.MIN_VALUE, 5, 6, 7, 8, 9, 10, 11};
        s.upload(src, 1, new Address(0), 10);
        s.drain();
        for (int i = 0; i < 10; i++) {
            assertEquals(src[1 + i], s.device.getInt(i * 4));
        }
    }

    @Test
    void downloadsSeeEarlierUploadsAndUnpackEveryChunk() {
        int half = 4;
        for (int n : new int[] {1, 3, 4, 5, 8, 9, 17}) {
            SimulatedStream s = new SimulatedStream(half, 40);
            float[] up = new float[n];
            for (int i = 0; i < n; i++) {
                up[i] = -i - 0.5f;
            }
            // Still pending when the download starts: the download must come after it.
            s.upload(up, 0, new Address(2), n);
            float[] down = new float[n + 3];
            s.download(new Address(2), down, 3, n);
            float[] expected = new float[n + 3];
            System.arraycopy(up, 0, expected, 3, n);
            assertArrayEquals(expected, down, "n=" + n);
        }
    }

    @Test
    void consecutiveUploadsReuseHalvesOnlyOnceTheirCopiesRan() {
        SimulatedStream s = new SimulatedStream(3, 30);
        float[] a = {1, 2, 3, 4, 5, 6, 7};
        float[] b = {10, 20, 30, 40, 50};
        s.upload(a, 0, new Address(0), 7);
        a[0] = 99; // the caller may change its array once upload returns
        s.upload(b, 0, new Address(10), 5);
        s.drain();
        float[] got = new float[15];
        s.device.asFloatBuffer().get(got);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 10, 20, 30, 40, 50}, got);
    }
}
