package dev.rnn4j.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * The schedule of transfers staged through two host halves used in turn, apart from what moves the bytes: an upload
 * fills a half once the copy that last used it has completed and enqueues its copy to the device, so filling one
 * half overlaps the copy of the other; a download enqueues the copy of chunk c into one half and meanwhile unpacks
 * chunk c − 1 from the other. Copies are asynchronous and complete in the order enqueued; {@link #awaitHalf} is the
 * only wait. {@code P} is a device address ({@link PinnedStaging}: a CUDA device pointer).
 */
abstract class StagedTransfers<P> {
    /** Elements (4-byte floats or ints) per half. */
    final int halfElements;
    private final FloatBuffer[] floats = new FloatBuffer[2];
    private final IntBuffer[] ints = new IntBuffer[2];

    StagedTransfers(int halfElements) {
        if (halfElements < 1) {
            throw new IllegalArgumentException("a half must hold at least one element, got " + halfElements);
        }
        this.halfElements = halfElements;
    }

    /** Half {@code h}'s host memory, at least {@link #halfElements} · 4 bytes. */
    protected final void half(int h, ByteBuffer bytes) {
        ByteBuffer b = bytes.order(ByteOrder.nativeOrder());
        floats[h] = b.asFloatBuffer();
        ints[h] = b.asIntBuffer();
    }

    /** Enqueues the copy of half {@code h}'s first {@code count} elements to element {@code at} of {@code dst}. */
    protected abstract void toDevice(int h, P dst, long at, int count);

    /** Enqueues the copy of {@code count} elements from element {@code at} of {@code src} into half {@code h}. */
    protected abstract void fromDevice(int h, P src, long at, int count);

    /** Waits until no copy enqueued so far reads or writes half {@code h}. */
    protected abstract void awaitHalf(int h);

    /** Enqueues the copy of {@code src[offset, offset+n)} to {@code dst}; returns once src may be changed. */
    final void upload(float[] src, int offset, P dst, int n) {
        upload(src, null, offset, dst, n);
    }

    /** {@link #upload(float[], int, Object, int)} for ints. */
    final void upload(int[] src, int offset, P dst, int n) {
        upload(null, src, offset, dst, n);
    }

    /** From whichever of {@code floatSrc} and {@code intSrc} is not null. */
    private void upload(float[] floatSrc, int[] intSrc, int offset, P dst, int n) {
        for (int sent = 0, chunk = 0; sent < n; sent += halfElements, chunk++) {
            int h = chunk & 1;
            int count = Math.min(halfElements, n - sent);
            awaitHalf(h);
            if (floatSrc != null) {
                floats[h].clear();
                floats[h].put(floatSrc, offset + sent, count);
            } else {
                ints[h].clear();
                ints[h].put(intSrc, offset + sent, count);
            }
            toDevice(h, dst, sent, count);
        }
    }

    /** Copies {@code n} elements of {@code src}, after every copy enqueued before, into {@code dst[offset, ...)}. */
    final void download(P src, float[] dst, int offset, int n) {
        int chunks = (n + halfElements - 1) / halfElements;
        for (int chunk = 0; chunk <= chunks; chunk++) {
            if (chunk < chunks) {
                int h = chunk & 1;
                long from = (long) chunk * halfElements;
                awaitHalf(h);
                fromDevice(h, src, from, (int) Math.min(halfElements, n - from));
            }
            if (chunk > 0) {
                int previous = chunk - 1;
                int h = previous & 1;
                int from = previous * halfElements;
                awaitHalf(h);
                floats[h].clear();
                floats[h].get(dst, offset + from, Math.min(halfElements, n - from));
            }
        }
    }
}
