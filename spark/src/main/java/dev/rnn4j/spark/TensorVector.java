package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.train.TrainableTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Every tensor's value or gradient as one vector, and back. */
final class TensorVector {
    private TensorVector() {
    }

    /**
     * Every tensor's {@code part} (its value or its gradient) downloaded end to end, times {@code scale}, with
     * {@code extra} zeros after them for the caller's own values.
     */
    static float[] download(Backend b, List<TrainableTensor> tensors, Function<TrainableTensor, DeviceBuffer> part,
                            float scale, int extra) {
        long n = 0;
        for (TrainableTensor t : tensors) {
            n += t.size();
        }
        float[] all = new float[Math.toIntExact(n + extra)];
        int at = 0;
        for (TrainableTensor t : tensors) {
            b.download(part.apply(t), 0, all, at, (int) t.size());
            at += (int) t.size();
        }
        if (scale != 1f) {
            for (int i = 0; i < all.length; i++) {
                all[i] *= scale;
            }
        }
        return all;
    }

    /** {@code all}, as {@link #download} lays it out, uploaded into every tensor's {@code part}; extras are left. */
    static void upload(Backend b, List<TrainableTensor> tensors, Function<TrainableTensor, DeviceBuffer> part,
                       float[] all) {
        int at = 0;
        for (TrainableTensor t : tensors) {
            b.upload(all, at, part.apply(t), 0, (int) t.size());
            at += (int) t.size();
        }
    }

    /** Every tensor's value, downloaded, by name, in the tensors' order. */
    static Map<String, float[]> valuesByName(Backend b, List<TrainableTensor> tensors) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (TrainableTensor t : tensors) {
            float[] v = new float[Math.toIntExact(t.size())];
            b.download(t.value(), 0, v, 0, v.length);
            values.put(t.name(), v);
        }
        return values;
    }

    static float[] add(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }
}
