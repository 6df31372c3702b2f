/* The training primitives (TrainingPrimitives): losses, embeddings, dropout, reductions, optimizer steps. */

/* One work item per row: loss = logsumexp − z[target], dz = scale·(softmax − onehot); target −1 pads. */
KERNEL void softmax_cross_entropy(GLOBAL const float* z, int zOff, int zLd, GLOBAL const int* targets, int rows,
                                  int classes, float scale, GLOBAL float* dz, int dzOff, int dzLd,
                                  GLOBAL float* losses) {
    int r = GID_X();
    if (r >= rows) {
        return;
    }
    int row = zOff + r * zLd;
    int drow = dzOff + r * dzLd;
    int t = targets[r];
    if (t < 0) {
        losses[r] = 0.0f;
        for (int c = 0; c < classes; c++) {
            dz[drow + c] = 0.0f;
        }
        return;
    }
    float max = z[row];
    for (int c = 1; c < classes; c++) {
        max = z[row + c] > max ? z[row + c] : max;
    }
    float sum = 0.0f;
    for (int c = 0; c < classes; c++) {
        float e = EXPF(z[row + c] - max);
        dz[drow + c] = e;
        sum += e;
    }
    float inv = scale / sum;
    for (int c = 0; c < classes; c++) {
        dz[drow + c] *= inv;
    }
    dz[drow + t] -= scale;
    losses[r] = LOGF(sum) + max - z[row + t];
}

/* One work item per row: loss = Σ (y − t)², dy = scale·2·(y − t); rows with mask 0 count for nothing. */
KERNEL void squared_error(GLOBAL const float* y, int yOff, int yLd, GLOBAL const float* t, int tOff, int tLd,
                          GLOBAL const int* mask, int hasMask, int rows, int cols, float scale, GLOBAL float* dy,
                          int dyOff, int dyLd, GLOBAL float* losses) {
    int r = GID_X();
    if (r >= rows) {
        return;
    }
    int counts = !hasMask || mask[r] != 0;
    float sum = 0.0f;
    for (int c = 0; c < cols; c++) {
        float diff = y[yOff + r * yLd + c] - t[tOff + r * tLd + c];
        sum += diff * diff;
        dy[dyOff + r * dyLd + c] = counts ? scale * 2.0f * diff : 0.0f;
    }
    losses[r] = counts ? sum : 0.0f;
}

KERNEL void gather_rows(GLOBAL const float* table, GLOBAL const int* ids, int rows, int dim, GLOBAL float* out,
                        int outOff, int outLd) {
    int id = GID_X();
    if (id >= rows * dim) {
        return;
    }
    int r = id / dim;
    int c = id - r * dim;
    int v = ids[r];
    out[outOff + r * outLd + c] = v < 0 ? 0.0f : table[v * dim + c];
}

/* One work item per column, rows in order: deterministic, no atomics. */
KERNEL void scatter_add_rows(GLOBAL const float* d, int dOff, int dLd, GLOBAL const int* ids, int rows, int dim,
                             GLOBAL float* table) {
    int c = GID_X();
    if (c >= dim) {
        return;
    }
    for (int r = 0; r < rows; r++) {
        int v = ids[r];
        if (v >= 0) {
            table[v * dim + c] += d[dOff + r * dLd + c];
        }
    }
}

/* DropoutHash.mix: Chris Wellons' lowbias32. */
DEVICE_FN unsigned int mix32(unsigned int x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

KERNEL void dropout_mask(GLOBAL const float* x, int xOff, GLOBAL float* y, int yOff, GLOBAL float* mask, int maskOff,
                         int n, float p, int seedLo, int seedHi) {
    int i = GID_X();
    if (i >= n) {
        return;
    }
    unsigned int h = mix32(((unsigned int) i) ^ mix32((unsigned int) seedLo)
            ^ mix32((unsigned int) seedHi + 0x632be5abu));
    float u = (float) (h >> 8) * 5.9604644775390625e-8f;
    float m = u >= p ? 1.0f / (1.0f - p) : 0.0f;
    mask[maskOff + i] = m;
    y[yOff + i] = x[xOff + i] * m;
}

KERNEL void multiply_floats(GLOBAL const float* a, int aOff, GLOBAL const float* b, int bOff, GLOBAL float* y,
                            int yOff, int n) {
    int i = GID_X();
    if (i < n) {
        y[yOff + i] = a[aOff + i] * b[bOff + i];
    }
}

KERNEL void scale_floats(GLOBAL float* x, int off, int n, float factor) {
    int i = GID_X();
    if (i < n) {
        x[off + i] *= factor;
    }
}

/* Part p sums x[i]² over i ≡ p (mod parts), in index order. */
KERNEL void sum_of_squares(GLOBAL const float* x, int off, int n, GLOBAL float* out, int outOff, int parts) {
    int p = GID_X();
    if (p >= parts) {
        return;
    }
    float sum = 0.0f;
    for (int i = p; i < n; i += parts) {
        float e = x[off + i];
        sum += e * e;
    }
    out[outOff + p] = sum;
}

/* kind: an OPT_ code (OptimizerArgs.Kind); stepSize and root2 are Adam's bias corrections from the host. */
KERNEL void optimizer_step(int kind, int n, GLOBAL float* w, int wOff, GLOBAL const float* g, int gOff,
                           GLOBAL float* s1, int s1Off, int hasS1, GLOBAL float* s2, int s2Off, float lr,
                           float decay, int decoupled, float momentum, float beta1, float beta2, float alpha,
                           float eps, float stepSize, float root2) {
    int i = GID_X();
    if (i >= n) {
        return;
    }
    float wv = w[wOff + i];
    float gv = g[gOff + i];
    if (decoupled) {
        wv -= lr * decay * wv;
    } else {
        gv += decay * wv;
    }
    if (kind == OPT_SGD) {
        if (hasS1 && momentum != 0.0f) {
            gv = momentum * s1[s1Off + i] + gv;
            s1[s1Off + i] = gv;
        }
        w[wOff + i] = wv - lr * gv;
    } else if (kind == OPT_ADAM) {
        float m = beta1 * s1[s1Off + i] + (1.0f - beta1) * gv;
        float v = beta2 * s2[s2Off + i] + (1.0f - beta2) * gv * gv;
        s1[s1Off + i] = m;
        s2[s2Off + i] = v;
        w[wOff + i] = wv - stepSize * m / (SQRTF(v) / root2 + eps);
    } else { /* OPT_RMSPROP */
        float sq = alpha * s1[s1Off + i] + (1.0f - alpha) * gv * gv;
        s1[s1Off + i] = sq;
        w[wOff + i] = wv - lr * gv / (SQRTF(sq) + eps);
    }
}
