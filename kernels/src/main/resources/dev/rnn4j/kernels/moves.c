/* The driver's helpers: fills, copies, broadcasts, column sums, the masked per-step copies, and the indexed row
   copies between a serving session's state slots and a batch. */

KERNEL void fill_floats(GLOBAL float* dst, int off, int n, float value) {
    int id = GID_X();
    if (id < n) {
        dst[off + id] = value;
    }
}

KERNEL void copy_floats(GLOBAL const float* src, int srcOff, GLOBAL float* dst, int dstOff, int n) {
    int id = GID_X();
    if (id < n) {
        dst[dstOff + id] = src[srcOff + id];
    }
}

KERNEL void broadcast_rows(GLOBAL const float* row, int rowOff, GLOBAL float* dst, int dstOff, int rows, int cols) {
    int id = GID_X();
    if (id < rows * cols) {
        dst[dstOff + id] = row[rowOff + id % cols];
    }
}

KERNEL void column_sums(GLOBAL const float* src, int srcOff, int rows, int cols, float beta, GLOBAL float* dst,
                        int dstOff) {
    int col = GID_X();
    if (col >= cols) {
        return;
    }
    float sum = 0.0f;
    for (int r = 0; r < rows; r++) {
        sum += src[srcOff + r * cols + col];
    }
    dst[dstOff + col] = beta == 0.0f ? sum : beta * dst[dstOff + col] + sum;
}

KERNEL void column_sums_of_products(GLOBAL const float* a, int aOff, int lda, GLOBAL const float* b, int bOff,
                                    int ldb, int rows, int cols, float beta, GLOBAL float* dst, int dstOff) {
    int col = GID_X();
    if (col >= cols) {
        return;
    }
    float sum = 0.0f;
    for (int r = 0; r < rows; r++) {
        sum += a[aOff + r * lda + col] * b[bOff + r * ldb + col];
    }
    dst[dstOff + col] = beta == 0.0f ? sum : beta * dst[dstOff + col] + sum;
}

/* dst[t, b] = src[reverse ? len − 1 − t : t, b] for t < len, zero beyond; one work item per (t, b, feature). */
KERNEL void copy_steps(GLOBAL const int* lengths, int steps, int batch, int width, GLOBAL const float* src,
                       int srcOff, int srcLd, GLOBAL float* dst, int dstOff, int dstLd, int reverse) {
    int id = GID_X();
    if (id >= steps * batch * width) {
        return;
    }
    int x = id % width;
    int tb = id / width;
    int b = tb % batch;
    int t = tb / batch;
    int len = lengths[b];
    int to = dstOff + (t * batch + b) * dstLd + x;
    if (t >= len) {
        dst[to] = 0.0f;
        return;
    }
    int from = reverse ? len - 1 - t : t;
    dst[to] = src[srcOff + (from * batch + b) * srcLd + x];
}

/* For rows whose sequence has ended by step: dst = beta·dst + src. */
KERNEL void carry_past_end(GLOBAL const int* lengths, int step, int batch, int width, GLOBAL const float* src,
                           int srcOff, int srcLd, GLOBAL float* dst, int dstOff, int dstLd, float beta) {
    int id = GID_X();
    if (id >= batch * width) {
        return;
    }
    int b = id / width;
    int x = id - b * width;
    if (step < lengths[b]) {
        return;
    }
    int to = dstOff + b * dstLd + x;
    float v = src[srcOff + b * srcLd + x];
    dst[to] = beta == 0.0f ? v : beta * dst[to] + v;
}

/* Gather dst[r] = src[indices[r]], or scatter dst[indices[r]] = src[r]; one work item per (row, feature). */
KERNEL void copy_rows(GLOBAL const int* indices, int rows, int width, GLOBAL const float* src, int srcOff,
                      int srcLd, GLOBAL float* dst, int dstOff, int dstLd, int scatter) {
    int id = GID_X();
    if (id >= rows * width) {
        return;
    }
    int r = id / width;
    int x = id - r * width;
    int slot = indices[r];
    int from = scatter ? r : slot;
    int to = scatter ? slot : r;
    dst[dstOff + to * dstLd + x] = src[srcOff + from * srcLd + x];
}
