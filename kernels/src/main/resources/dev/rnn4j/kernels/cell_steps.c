/*
 * The cell steps: forward (cell_forward_unit, which the fused steps reuse, and cell_forward), backward, and the two
 * halves of the original-form GRU's step. One work item per (row b, hidden unit j); the math mirrors the CPU
 * backend's scalar kernels (ScalarCells) line for line. Buffers a call does not use are passed as a dummy with its
 * has* flag 0.
 */

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
        if (cell == CELL_LSTM) {
            cNext[cNextOff + hi] = cPrev[cPrevOff + hi];
        }
        return;
    }
    int G = gate_count(cell);
    int gxRow = gxOff + b * G * H;
    int ghRow = ghOff + b * G * H;
    int r = reserveOff + b * reserveWidth;
    if (cell == CELL_RNN_TANH || cell == CELL_RNN_RELU) {
        float pre = gx[gxRow + j] + gh[ghRow + j] + (hasBhh ? bhh[bhhOff + j] : 0.0f);
        hNext[hNextOff + hi] = act_apply(f0, a0, b0,
                gate_pre(pre, clip, reserve, r, flagsAt, presAt, j, hasReserve, keepPre));
        return;
    }
    if (cell == CELL_LSTM) {
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
    if (cell == CELL_RNN_TANH || cell == CELL_RNN_RELU) {
        float h = hNext[hNextOff + hi];
        dGx[gRow + j] = d * slope_of(keepPre, f0, a0, b0, reserve, r, presAt, j, h)
                * passed_flag(clip, reserve, r, flagsAt, j);
        dhPrev[dhPrevOff + hi] = 0.0f;
        return;
    }
    if (cell == CELL_LSTM) {
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
