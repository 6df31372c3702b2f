/*
 * rnn4j's device kernels, written once in the C subset that OpenCL C 1.2 and CUDA C++ both accept; a dialect
 * prelude (prelude_opencl.h, prelude_cuda.h) names the keywords, index functions and math. The math mirrors the CPU
 * backend's scalar kernels (ScalarCells) line for line, and docs/architecture.md says what each computes.
 *
 * Conventions: one work item per (row b, hidden unit j) for cell steps; offsets and leading dimensions in
 * elements; buffers a call does not use are passed as a dummy with its has* flag 0. Cell codes are CellType's
 * order: 0 RNN_TANH, 1 RNN_RELU, 2 LSTM, 3 GRU. Activation codes are Activation.Function's order: 0 Relu, 1 Tanh,
 * 2 Sigmoid, 3 Affine, 4 LeakyRelu, 5 ThresholdedRelu, 6 ScaledTanh, 7 HardSigmoid, 8 Elu, 9 Softsign,
 * 10 Softplus. Comparisons are written so that NaN passes through, as in the Java kernels.
 *
 * A reserve row holds the cell's activations (LSTM i, f, g, o; GRU r, z, n and W_hn h + b_hn or r ⊙ h), then with
 * clip one pass flag per gate (flagsAt), then with ONNX activations each gate's pre-activation (presAt).
 */

/* Gates per hidden unit: CellType.gates() (LSTM 4, GRU 3, vanilla RNN 1). */
DEVICE_FN int gate_count(int cell) {
    return cell == 2 ? 4 : (cell == 3 ? 3 : 1);
}

DEVICE_FN float act_apply(int f, float a, float b, float x) {
    switch (f) {
        case 0: return x < 0.0f ? 0.0f : x;
        case 1: return TANHF(x);
        case 2: return 1.0f / (1.0f + EXPF(-x));
        case 3: return a * x + b;
        case 4: return x >= 0.0f ? x : a * x;
        case 5: return x > a ? x : 0.0f;
        case 6: return a * TANHF(b * x);
        case 7: {
            float v = a * x + b;
            return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        }
        case 8: return x >= 0.0f ? x : a * (EXPF(x) - 1.0f);
        case 9: return x / (1.0f + FABSF(x));
        default: return (x > 0.0f ? x : 0.0f) + LOG1PF(EXPF(-FABSF(x)));
    }
}

/* f'(x) at the pre-activation x. */
DEVICE_FN float act_slope(int f, float a, float b, float x) {
    switch (f) {
        case 0: return x > 0.0f ? 1.0f : 0.0f;
        case 1: {
            float t = TANHF(x);
            return 1.0f - t * t;
        }
        case 2: {
            float s = 1.0f / (1.0f + EXPF(-x));
            return s * (1.0f - s);
        }
        case 3: return a;
        case 4: return x >= 0.0f ? 1.0f : a;
        case 5: return x > a ? 1.0f : 0.0f;
        case 6: {
            float t = TANHF(b * x);
            return a * b * (1.0f - t * t);
        }
        case 7: {
            float v = a * x + b;
            return v > 0.0f && v < 1.0f ? a : 0.0f;
        }
        case 8: return x >= 0.0f ? 1.0f : a * EXPF(x);
        case 9: {
            float d = 1.0f + FABSF(x);
            return 1.0f / (d * d);
        }
        default: return 1.0f / (1.0f + EXPF(-x));
    }
}

/* The derivative of a cell's own function (sigmoid, tanh, ReLU) from its output y. */
DEVICE_FN float act_slope_from_output(int f, float y) {
    return f == 2 ? y * (1.0f - y) : (f == 1 ? 1.0f - y * y : (y > 0.0f ? 1.0f : 0.0f));
}

/* A gate's pre-activation through ONNX's clip; in training its pass flag and, with ONNX activations, the value. */
DEVICE_FN float gate_pre(float pre, float clip, GLOBAL float* reserve, int row, int flagsAt, int presAt, int q,
                         int hasReserve, int keepPre) {
    float v = pre;
    if (clip > 0.0f) {
        int passed = !(FABSF(pre) > clip);
        v = passed ? pre : COPYSIGNF(clip, pre);
        if (hasReserve) {
            reserve[row + flagsAt + q] = passed ? 1.0f : 0.0f;
        }
    }
    if (keepPre && hasReserve) {
        reserve[row + presAt + q] = v;
    }
    return v;
}

DEVICE_FN float passed_flag(float clip, GLOBAL const float* reserve, int row, int flagsAt, int q) {
    return clip > 0.0f ? reserve[row + flagsAt + q] : 1.0f;
}

DEVICE_FN float slope_of(int keepPre, int f, float a, float b, GLOBAL const float* reserve, int row, int presAt,
                         int q, float y) {
    return keepPre ? act_slope(f, a, b, reserve[row + presAt + q]) : act_slope_from_output(f, y);
}

/*
 * The forward cell step's parameters, shared by cell_forward_unit, cell_forward, recurrent_forward and
 * recurrent_sequence (GH_QUALIFIED qualifies gh: read-only for the cell, written by the two recurrent kernels), and
 * the same names as arguments.
 */
#define CELL_FORWARD_PARAMS(GH_QUALIFIED) int cell, int batch, int hidden, int step, GLOBAL const int* lengths, \
        GLOBAL const float* gx, int gxOff, GH_QUALIFIED float* gh, int ghOff, \
        GLOBAL const float* bhh, int bhhOff, int hasBhh, GLOBAL const float* peep, int peepOff, int hasPeep, \
        int inputForget, float clip, float cellClip, int linearAfterReset, int projected, \
        int f0, float a0, float b0, int f1, float a1, float b1, int f2, float a2, float b2, int keepPre, \
        GLOBAL const float* hPrev, int hPrevOff, GLOBAL const float* cPrev, int cPrevOff, \
        GLOBAL float* hNext, int hNextOff, GLOBAL float* cNext, int cNextOff, \
        GLOBAL float* reserve, int reserveOff, int hasReserve, int reserveWidth, int flagsAt, int presAt
#define CELL_FORWARD_ARGS cell, batch, hidden, step, lengths, gx, gxOff, gh, ghOff, bhh, bhhOff, hasBhh, peep, \
        peepOff, hasPeep, inputForget, clip, cellClip, linearAfterReset, projected, f0, a0, b0, f1, a1, b1, f2, a2, \
        b2, keepPre, hPrev, hPrevOff, cPrev, cPrevOff, hNext, hNextOff, cNext, cNextOff, reserve, reserveOff, \
        hasReserve, reserveWidth, flagsAt, presAt

/* The forward cell step of row b, hidden unit j: what cell_forward's work item (b, j) computes. */
DEVICE_FN void cell_forward_unit(int b, int j, CELL_FORWARD_PARAMS(GLOBAL const)) {
    int H = hidden;
    int hi = b * H + j;
    if (step >= lengths[b]) {
        /* Past the sequence's end the state carries; a projected LSTM's m is zero (the driver carries h). */
        hNext[hNextOff + hi] = projected ? 0.0f : hPrev[hPrevOff + hi];
        if (cell == 2) {
            cNext[cNextOff + hi] = cPrev[cPrevOff + hi];
        }
        return;
    }
    int G = gate_count(cell);
    int gxRow = gxOff + b * G * H;
    int ghRow = ghOff + b * G * H;
    int r = reserveOff + b * reserveWidth;
    if (cell < 2) {
        float pre = gx[gxRow + j] + gh[ghRow + j] + (hasBhh ? bhh[bhhOff + j] : 0.0f);
        hNext[hNextOff + hi] = act_apply(f0, a0, b0,
                gate_pre(pre, clip, reserve, r, flagsAt, presAt, j, hasReserve, keepPre));
        return;
    }
    if (cell == 2) {
        float cp = cPrev[cPrevOff + hi];
        float pi = hasPeep ? peep[peepOff + j] : 0.0f;
        float pf = hasPeep ? peep[peepOff + H + j] : 0.0f;
        float po = hasPeep ? peep[peepOff + 2 * H + j] : 0.0f;
        float i = act_apply(f0, a0, b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (hasBhh ? bhh[bhhOff + j] : 0.0f)
                + pi * cp, clip, reserve, r, flagsAt, presAt, j, hasReserve, keepPre));
        float f = inputForget ? 1.0f - i : act_apply(f0, a0, b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
                + (hasBhh ? bhh[bhhOff + H + j] : 0.0f) + pf * cp, clip, reserve, r, flagsAt, presAt, H + j,
                hasReserve, keepPre));
        float g = act_apply(f1, a1, b1, gate_pre(gx[gxRow + 2 * H + j] + gh[ghRow + 2 * H + j]
                + (hasBhh ? bhh[bhhOff + 2 * H + j] : 0.0f), clip, reserve, r, flagsAt, presAt, 2 * H + j,
                hasReserve, keepPre));
        float c = f * cp + i * g;
        if (cellClip > 0.0f) {
            c = c > cellClip ? cellClip : (c < -cellClip ? -cellClip : c); /* cuDNN's cell clipping */
        }
        float o = act_apply(f0, a0, b0, gate_pre(gx[gxRow + 3 * H + j] + gh[ghRow + 3 * H + j]
                + (hasBhh ? bhh[bhhOff + 3 * H + j] : 0.0f) + po * c, clip, reserve, r, flagsAt, presAt, 3 * H + j,
                hasReserve, keepPre));
        cNext[cNextOff + hi] = c;
        hNext[hNextOff + hi] = o * act_apply(f2, a2, b2, c);
        if (hasReserve) {
            reserve[r + j] = i;
            reserve[r + H + j] = f;
            reserve[r + 2 * H + j] = g;
            reserve[r + 3 * H + j] = o;
        }
        return;
    }
    /* GRU */
    float rr;
    float z;
    float n;
    if (linearAfterReset) {
        /* r, z are activations already (gru_reset_forward); gh's n column is (r ⊙ h)·W_hnᵀ. */
        rr = gh[ghRow + j];
        z = gh[ghRow + H + j];
        n = act_apply(f1, a1, b1, gate_pre(gx[gxRow + 2 * H + j] + gh[ghRow + 2 * H + j]
                + (hasBhh ? bhh[bhhOff + 2 * H + j] : 0.0f), clip, reserve, r, flagsAt, presAt, 2 * H + j,
                hasReserve, keepPre));
    } else {
        rr = act_apply(f0, a0, b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (hasBhh ? bhh[bhhOff + j] : 0.0f),
                clip, reserve, r, flagsAt, presAt, j, hasReserve, keepPre));
        z = act_apply(f0, a0, b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
                + (hasBhh ? bhh[bhhOff + H + j] : 0.0f), clip, reserve, r, flagsAt, presAt, H + j, hasReserve,
                keepPre));
        float hn = gh[ghRow + 2 * H + j] + (hasBhh ? bhh[bhhOff + 2 * H + j] : 0.0f);
        n = act_apply(f1, a1, b1, gate_pre(gx[gxRow + 2 * H + j] + rr * hn, clip, reserve, r, flagsAt, presAt,
                2 * H + j, hasReserve, keepPre));
        if (hasReserve) {
            reserve[r + 3 * H + j] = hn;
        }
    }
    hNext[hNextOff + hi] = (1.0f - z) * n + z * hPrev[hPrevOff + hi];
    if (hasReserve) {
        reserve[r + j] = rr;
        reserve[r + H + j] = z;
        reserve[r + 2 * H + j] = n;
    }
}

KERNEL void cell_forward(CELL_FORWARD_PARAMS(GLOBAL const)) {
    int id = GID_X();
    if (id >= batch * hidden) {
        return;
    }
    int b = id / hidden;
    cell_forward_unit(b, id - b * hidden, CELL_FORWARD_ARGS);
}

/*
 * A whole forward step for a small batch in one launch: gh = A·W_hhᵀ (A = h_{t-1}, batch × k, rows lda apart; W_hh
 * rows ldw apart) for the gate rows of a few hidden units, then cell_forward_unit for those units, so gh never
 * waits for a second launch. One work-group of STEP_GROUP items owns STEP_GROUP / STEP_LANES row slots: each slot
 * is one gate row of one unit, summed by STEP_LANES items over k (adjacent items read adjacent weights), and the
 * slots' partial sums meet in local memory. Every group reads all of A (small: batch ≤ STEP_MAX_BATCH rows) and
 * only its own rows of W_hh; gh is written for the cell and left as the unfused step leaves it. Launched with
 * ceil(H / units) groups of STEP_GROUP items, units = (STEP_GROUP / STEP_LANES) / gates.
 */
#define STEP_GROUP 256
#define STEP_LANES 32
#define STEP_MAX_BATCH 8
/*
 * Partial sums sit slot by slot, STEP_LANES + 1 apart: the items that add up different slots (and rows) then read
 * different local-memory banks; STEP_LANES apart, all of a warp's reads of one lane index would hit one bank.
 */
#define STEP_SLOT_STRIDE (STEP_LANES + 1)
#define STEP_ROW_STRIDE (STEP_GROUP / STEP_LANES * STEP_SLOT_STRIDE)
/* Slot s's STEP_LANES partial sums of row b, added in lane order. */
DEVICE_FN float lane_sum(LOCAL_PTR const float* partial, int b, int s) {
    float sum = 0.0f;
    for (int l = 0; l < STEP_LANES; l++) {
        sum += partial[b * STEP_ROW_STRIDE + s * STEP_SLOT_STRIDE + l];
    }
    return sum;
}

KERNEL void recurrent_forward(int k, GLOBAL const float* a, int aOff, int lda, GLOBAL const float* w, int wOff,
                              int ldw, CELL_FORWARD_PARAMS(GLOBAL)) {
    LOCAL float partial[STEP_MAX_BATCH * STEP_ROW_STRIDE];
    int lid = LID_X();
    int H = hidden;
    int G = gate_count(cell);
    int units = (STEP_GROUP / STEP_LANES) / G;
    int j0 = GROUP_X() * units;
    int slot = lid / STEP_LANES;
    int lane = lid - slot * STEP_LANES;
    int gate = slot / units;
    int j = j0 + slot - gate * units;
    float acc[STEP_MAX_BATCH];
    for (int q = 0; q < STEP_MAX_BATCH; q++) {
        acc[q] = 0.0f;
    }
    if (slot < G * units && j < H) {
        int row = wOff + (gate * H + j) * ldw;
        for (int p = lane; p < k; p += STEP_LANES) {
            float x = w[row + p];
            for (int q = 0; q < STEP_MAX_BATCH; q++) {
                if (q < batch) {
                    acc[q] += x * a[aOff + q * lda + p];
                }
            }
        }
    }
    for (int q = 0; q < STEP_MAX_BATCH; q++) {
        partial[q * STEP_ROW_STRIDE + slot * STEP_SLOT_STRIDE + lane] = acc[q];
    }
    BARRIER();
    /* One item per (row b, slot): the slot's lanes summed in lane order, into gh. */
    if (lid < G * units * batch) {
        int b = lid / (G * units);
        int s = lid - b * (G * units);
        int g = s / units;
        int u = j0 + s - g * units;
        if (u < H) {
            gh[ghOff + b * G * H + g * H + u] = lane_sum(partial, b, s);
        }
    }
    GLOBAL_BARRIER();
    if (lid < units * batch) {
        int b = lid / units;
        int u = j0 + lid - b * units;
        if (u < H) {
            cell_forward_unit(b, u, CELL_FORWARD_ARGS);
        }
    }
}

/*
 * A barrier across every group of a launch, for launches whose groups are all resident at once (a cooperative
 * launch on CUDA). state[0] counts arrivals; state[1] is a generation the last arrival advances once it has put the
 * count back to 0, so the state is ready for the next barrier, and the next launch, with no reset between. The
 * group barriers around it order the group's own accesses; the fences make every group's writes before the barrier
 * visible to every group after it (the pattern of CUDA's cooperative-groups grid sync).
 */
DEVICE_FN void grid_barrier(GLOBAL volatile int* state, int groups) {
    GLOBAL_BARRIER();
    if (LID_X() == 0) {
        int generation = state[1];
        GLOBAL_FENCE();
        if (ATOMIC_ADD(state, 1) == groups - 1) {
            ATOMIC_XCHG(state, 0);
            GLOBAL_FENCE();
            ATOMIC_ADD(state + 1, 1);
        } else {
            long spins = 0;
            while (state[1] == generation) {
                spins++;
                SPIN_GUARD(spins);
            }
        }
        GLOBAL_FENCE();
    }
    GLOBAL_BARRIER();
}

/*
 * Forward steps t0 … t1−1 of one layer direction in one launch: recurrent_forward's step with the recurrent weights
 * kept on chip. Group g owns hidden units [g·units, g·units + owned): it loads their G·owned rows of W_hh into local
 * memory (cache, G·owned·k floats, gate-major) once, then per step computes those rows of gh = h_{t−1}·W_hhᵀ with
 * recurrent_forward's lanes and lane order (so the sums are the same) and runs the cell for its units. The next step
 * reads the h_t every group wrote, so between steps all groups meet at grid_barrier: the launch must have every
 * group resident (CUDA: cooperative launch), or cover one step (t1 = t0 + 1), or be one group. The arguments
 * describe step 0; step t reads and writes t rows of the batch further on: a and the states by t·batch·hidden
 * (a is h_{t−1}, lda = hidden), gx by t·batch·G·hidden, the reserve by t·batch·reserveWidth; gh is one step's,
 * reused. Launched as ceil(hidden / units) groups of STEP_GROUP items.
 */
KERNEL void recurrent_sequence(int t0, int t1, int units, GLOBAL int* barrierState, DYNAMIC_LOCAL_PARAM(cache),
                               int k, GLOBAL const float* a, int aOff, int lda, GLOBAL const float* w, int wOff,
                               int ldw, CELL_FORWARD_PARAMS(GLOBAL)) {
    DYNAMIC_LOCAL(cache);
    LOCAL float partial[STEP_MAX_BATCH * STEP_ROW_STRIDE];
    int lid = LID_X();
    int H = hidden;
    int G = gate_count(cell);
    int j0 = GROUP_X() * units;
    int owned = H - j0 < units ? H - j0 : units;
    int rows = G * owned;
    for (int e = lid; e < rows * k; e += STEP_GROUP) {
        int r = e / k;
        int gate = r / owned;
        cache[e] = w[wOff + (gate * H + j0 + r - gate * owned) * ldw + e - r * k];
    }
    BARRIER();
    int slots = STEP_GROUP / STEP_LANES;
    int slot = lid / STEP_LANES;
    int lane = lid - slot * STEP_LANES;
    for (int t = t0; t < t1; t++) {
        if (t > t0) {
            grid_barrier(barrierState, NUM_GROUPS_X());
        }
        int aT = aOff + t * batch * lda;
        for (int r0 = 0; r0 < rows; r0 += slots) {
            int r = r0 + slot;
            float acc[STEP_MAX_BATCH];
            for (int q = 0; q < STEP_MAX_BATCH; q++) {
                acc[q] = 0.0f;
            }
            if (r < rows) {
                for (int p = lane; p < k; p += STEP_LANES) {
                    float x = cache[r * k + p];
                    for (int q = 0; q < STEP_MAX_BATCH; q++) {
                        if (q < batch) {
                            acc[q] += x * a[aT + q * lda + p];
                        }
                    }
                }
            }
            for (int q = 0; q < STEP_MAX_BATCH; q++) {
                partial[q * STEP_ROW_STRIDE + slot * STEP_SLOT_STRIDE + lane] = acc[q];
            }
            BARRIER();
            if (lid < slots * batch) {
                int b = lid / slots;
                int s = lid - b * slots;
                int rr = r0 + s;
                if (rr < rows) {
                    int gate = rr / owned;
                    gh[ghOff + b * G * H + gate * H + j0 + rr - gate * owned] = lane_sum(partial, b, s);
                }
            }
            BARRIER();
        }
        GLOBAL_BARRIER();
        int rowH = t * batch * H;
        for (int e = lid; e < owned * batch; e += STEP_GROUP) {
            int b = e / owned;
            cell_forward_unit(b, j0 + e - b * owned, cell, batch, hidden, step + t, lengths, gx, gxOff + G * rowH,
                    gh, ghOff, bhh, bhhOff, hasBhh, peep, peepOff, hasPeep, inputForget, clip, cellClip,
                    linearAfterReset, projected, f0, a0, b0, f1, a1, b1, f2, a2, b2, keepPre, hPrev, hPrevOff + rowH,
                    cPrev, cPrevOff + rowH, hNext, hNextOff + rowH, cNext, cNextOff + rowH, reserve,
                    reserveOff + t * batch * reserveWidth, hasReserve, reserveWidth, flagsAt, presAt);
        }
    }
}

KERNEL void cell_backward(int cell, int batch, int hidden, int step, GLOBAL const int* lengths,
                          GLOBAL const float* peep, int peepOff, int hasPeep,
                          int inputForget, float clip, float cellClip, int linearAfterReset,
                          int f0, float a0, float b0, int f1, float a1, float b1, int f2, float a2, float b2,
                          int keepPre,
                          GLOBAL const float* hPrev, int hPrevOff, GLOBAL const float* cPrev, int cPrevOff,
                          GLOBAL const float* hNext, int hNextOff, GLOBAL const float* cNext, int cNextOff,
                          GLOBAL const float* reserve, int reserveOff, int reserveWidth, int flagsAt, int presAt,
                          GLOBAL const float* dy, int dyOff, int hasDy, GLOBAL const float* dh, int dhOff,
                          GLOBAL float* dc, int dcOff, GLOBAL float* dhPrev, int dhPrevOff,
                          GLOBAL float* dGx, int dGxOff, GLOBAL float* dGh, int dGhOff, int hasDGh) {
    int id = GID_X();
    if (id >= batch * hidden) {
        return;
    }
    int H = hidden;
    int b = id / H;
    int j = id - b * H;
    int hi = b * H + j;
    int G = gate_count(cell);
    int gRow = dGxOff + b * G * H;
    int hRow = dGhOff + b * G * H;
    float d = dh[dhOff + hi] + (hasDy ? dy[dyOff + hi] : 0.0f);
    if (step >= lengths[b]) {
        /* Past the end: gradients pass through, gate gradients are zero. */
        dhPrev[dhPrevOff + hi] = d;
        for (int q = 0; q < G; q++) {
            dGx[gRow + q * H + j] = 0.0f;
            if (hasDGh) {
                dGh[hRow + q * H + j] = 0.0f;
            }
        }
        return;
    }
    int r = reserveOff + b * reserveWidth;
    if (cell < 2) {
        float h = hNext[hNextOff + hi];
        dGx[gRow + j] = d * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, j, h)
                * passed_flag(clip, reserve, r, flagsAt, j);
        dhPrev[dhPrevOff + hi] = 0.0f;
        return;
    }
    if (cell == 2) {
        float i = reserve[r + j];
        float f = reserve[r + H + j];
        float g = reserve[r + 2 * H + j];
        float o = reserve[r + 3 * H + j];
        float c = cNext[cNextOff + hi];
        float ao = d * act_apply(f2, a2, b2, c) * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, 3 * H + j, o)
                * passed_flag(clip, reserve, r, flagsAt, 3 * H + j);
        float dcTotal = dc[dcOff + hi] + d * o * act_slope(f2, a2, b2, c)
                + ao * (hasPeep ? peep[peepOff + 2 * H + j] : 0.0f);
        if (cellClip > 0.0f && FABSF(c) >= cellClip) {
            dcTotal = 0.0f; /* c_t was clamped */
        }
        float cp = cPrev[cPrevOff + hi];
        /* With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f. */
        float ai = dcTotal * (inputForget ? g - cp : g) * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, j, i)
                * passed_flag(clip, reserve, r, flagsAt, j);
        float af = inputForget ? 0.0f : dcTotal * cp * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, H + j, f)
                * passed_flag(clip, reserve, r, flagsAt, H + j);
        dGx[gRow + j] = ai;
        dGx[gRow + H + j] = af;
        dGx[gRow + 2 * H + j] = dcTotal * i * slope_of(keepPre, f1, a1, b1, reserve, r, presAt, 2 * H + j, g)
                * passed_flag(clip, reserve, r, flagsAt, 2 * H + j);
        dGx[gRow + 3 * H + j] = ao;
        dc[dcOff + hi] = dcTotal * f + ai * (hasPeep ? peep[peepOff + j] : 0.0f)
                + af * (hasPeep ? peep[peepOff + H + j] : 0.0f);
        dhPrev[dhPrevOff + hi] = 0.0f;
        return;
    }
    /* GRU */
    float rr = reserve[r + j];
    float z = reserve[r + H + j];
    float n = reserve[r + 2 * H + j];
    float dn = d * (1.0f - z) * slope_of(keepPre, f1, a1, b1, reserve, r, presAt, 2 * H + j, n)
            * passed_flag(clip, reserve, r, flagsAt, 2 * H + j);
    float dz = d * (hPrev[hPrevOff + hi] - n) * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, H + j, z)
            * passed_flag(clip, reserve, r, flagsAt, H + j);
    dGx[gRow + H + j] = dz;
    dGx[gRow + 2 * H + j] = dn;
    dhPrev[dhPrevOff + hi] = d * z;
    if (linearAfterReset) {
        dGx[gRow + j] = 0.0f; /* written by gru_reset_backward, once dn·W_hn is known */
        return;
    }
    float hn = reserve[r + 3 * H + j];
    float dr = dn * hn * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, j, rr)
            * passed_flag(clip, reserve, r, flagsAt, j);
    dGx[gRow + j] = dr;
    dGh[hRow + j] = dr;
    dGh[hRow + H + j] = dz;
    dGh[hRow + 2 * H + j] = dn * rr;
}

/* Original-form GRU, first part of a forward step: r, z over gh's r, z columns, r ⊙ h_prev into rh. */
KERNEL void gru_reset_forward(int batch, int hidden, int step, GLOBAL const int* lengths,
                              GLOBAL const float* gx, int gxOff, GLOBAL float* gh, int ghOff,
                              GLOBAL const float* bhh, int bhhOff, int hasBhh, float clip,
                              int f0, float a0, float b0, int keepPre,
                              GLOBAL const float* hPrev, int hPrevOff, GLOBAL float* rh, int rhOff, int rhStride,
                              GLOBAL float* reserve, int reserveOff, int hasReserve, int reserveWidth, int flagsAt,
                              int presAt) {
    int id = GID_X();
    if (id >= batch * hidden) {
        return;
    }
    int H = hidden;
    int b = id / H;
    int j = id - b * H;
    int at = rhOff + b * rhStride + j;
    if (step >= lengths[b]) {
        rh[at] = 0.0f;
        return;
    }
    int gxRow = gxOff + b * 3 * H;
    int ghRow = ghOff + b * 3 * H;
    int r = reserveOff + b * reserveWidth;
    float rr = act_apply(f0, a0, b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (hasBhh ? bhh[bhhOff + j] : 0.0f),
            clip, reserve, r, flagsAt, presAt, j, hasReserve, keepPre));
    float z = act_apply(f0, a0, b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
            + (hasBhh ? bhh[bhhOff + H + j] : 0.0f), clip, reserve, r, flagsAt, presAt, H + j, hasReserve, keepPre));
    gh[ghRow + j] = rr;
    gh[ghRow + H + j] = z;
    rh[at] = rr * hPrev[hPrevOff + b * H + j];
}

/* Original-form GRU, last part of a backward step: the r gate's gradient and r's share of dh_prev. */
KERNEL void gru_reset_backward(int batch, int hidden, int step, GLOBAL const int* lengths, float clip,
                               int f0, float a0, float b0, int keepPre,
                               GLOBAL const float* hPrev, int hPrevOff, GLOBAL const float* drh, int drhOff,
                               GLOBAL const float* reserve, int reserveOff, int reserveWidth, int flagsAt,
                               int presAt, GLOBAL float* dhPrev, int dhPrevOff, GLOBAL float* dGx, int dGxOff) {
    int id = GID_X();
    if (id >= batch * hidden) {
        return;
    }
    int H = hidden;
    int b = id / H;
    int j = id - b * H;
    if (step >= lengths[b]) {
        return;
    }
    int hi = b * H + j;
    int r = reserveOff + b * reserveWidth;
    float rr = reserve[r + j];
    float d = drh[drhOff + hi];
    dGx[dGxOff + b * 3 * H + j] = d * hPrev[hPrevOff + hi] * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, j, rr)
            * passed_flag(clip, reserve, r, flagsAt, j);
    dhPrev[dhPrevOff + hi] += d * rr;
}

/*
 * C = alpha·op(A)·op(B) + beta·C, row-major: the portable GEMM (where no vendor BLAS loads). A work-group of
 * GEMM_TILE × GEMM_TILE items owns a GEMM_BLOCK × GEMM_BLOCK block of C, GEMM_WORK × GEMM_WORK elements per item
 * at a stride of GEMM_TILE (so adjacent items store adjacent columns and read adjacent local-memory banks). Each
 * stage stages GEMM_DEPTH columns of op(A)'s rows and rows of op(B)'s columns in local memory, loaded along
 * whichever index is contiguous in global memory, zero past the edges; every item then does GEMM_WORK² multiply-adds
 * per 2·GEMM_WORK local reads, where one element per item did one per two. Each element's sum runs over k in order.
 */
#define GEMM_TILE 16
#define GEMM_WORK 4
#define GEMM_BLOCK (GEMM_TILE * GEMM_WORK)
#define GEMM_DEPTH 16
KERNEL void gemm_tiled(int transA, int transB, int m, int n, int k, float alpha,
                       GLOBAL const float* a, int aOff, int lda, GLOBAL const float* b, int bOff, int ldb,
                       float beta, GLOBAL float* c, int cOff, int ldc) {
    LOCAL float as[GEMM_DEPTH][GEMM_BLOCK + 1];
    LOCAL float bs[GEMM_DEPTH][GEMM_BLOCK + 1];
    int tx = LID_X();
    int ty = LID_Y();
    int item = ty * GEMM_TILE + tx;
    int row0 = GROUP_Y() * GEMM_BLOCK;
    int col0 = GROUP_X() * GEMM_BLOCK;
    float acc[GEMM_WORK][GEMM_WORK];
    for (int i = 0; i < GEMM_WORK; i++) {
        for (int j = 0; j < GEMM_WORK; j++) {
            acc[i][j] = 0.0f;
        }
    }
    for (int p0 = 0; p0 < k; p0 += GEMM_DEPTH) {
        for (int e = item; e < GEMM_BLOCK * GEMM_DEPTH; e += GEMM_TILE * GEMM_TILE) {
            /* op(A)[row][p]: along p for A (rows contiguous), along row for Aᵀ. */
            int r = transA ? e % GEMM_BLOCK : e / GEMM_DEPTH;
            int p = transA ? e / GEMM_BLOCK : e % GEMM_DEPTH;
            int gr = row0 + r;
            int gp = p0 + p;
            as[p][r] = (gr < m && gp < k) ? (transA ? a[aOff + gp * lda + gr] : a[aOff + gr * lda + gp]) : 0.0f;
            /* op(B)[p][col]: along col for B, along p for Bᵀ. */
            int q = transB ? e % GEMM_DEPTH : e / GEMM_BLOCK;
            int cc = transB ? e / GEMM_DEPTH : e % GEMM_BLOCK;
            int gq = p0 + q;
            int gc = col0 + cc;
            bs[q][cc] = (gq < k && gc < n) ? (transB ? b[bOff + gc * ldb + gq] : b[bOff + gq * ldb + gc]) : 0.0f;
        }
        BARRIER();
        for (int p = 0; p < GEMM_DEPTH; p++) {
            float ar[GEMM_WORK];
            float br[GEMM_WORK];
            for (int i = 0; i < GEMM_WORK; i++) {
                ar[i] = as[p][ty + i * GEMM_TILE];
                br[i] = bs[p][tx + i * GEMM_TILE];
            }
            for (int i = 0; i < GEMM_WORK; i++) {
                for (int j = 0; j < GEMM_WORK; j++) {
                    acc[i][j] += ar[i] * br[j];
                }
            }
        }
        BARRIER();
    }
    for (int i = 0; i < GEMM_WORK; i++) {
        int row = row0 + ty + i * GEMM_TILE;
        for (int j = 0; j < GEMM_WORK; j++) {
            int col = col0 + tx + j * GEMM_TILE;
            if (row < m && col < n) {
                int ci = cOff + row * ldc + col;
                c[ci] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[ci];
            }
        }
    }
}

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

/* ---- Training primitives (TrainingPrimitives): losses, embeddings, dropout, reductions, optimizer steps. ---- */

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

/* kind 0 SGD, 1 Adam, 2 RMSprop (OptimizerArgs); stepSize and root2 are Adam's bias corrections from the host. */
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
    if (kind == 0) {
        if (hasS1 && momentum != 0.0f) {
            gv = momentum * s1[s1Off + i] + gv;
            s1[s1Off + i] = gv;
        }
        w[wOff + i] = wv - lr * gv;
    } else if (kind == 1) {
        float m = beta1 * s1[s1Off + i] + (1.0f - beta1) * gv;
        float v = beta2 * s2[s2Off + i] + (1.0f - beta2) * gv * gv;
        s1[s1Off + i] = m;
        s2[s2Off + i] = v;
        w[wOff + i] = wv - stepSize * m / (SQRTF(v) / root2 + eps);
    } else {
        float sq = alpha * s1[s1Off + i] + (1.0f - alpha) * gv * gv;
        s1[s1Off + i] = sq;
        w[wOff + i] = wv - lr * gv / (SQRTF(sq) + eps);
    }
}
