/*
 * The cell steps: forward (cell_forward_unit, which the fused steps reuse, and cell_forward), backward, and the two
 * halves of the original-form GRU's step. One work item per (row b, hidden unit j); the math mirrors the CPU
 * backend's scalar kernels (ScalarCells) line for line. Every step kernel takes the layer direction's configuration
 * (cfgWords, StepConfig's device form), the batch, the step, the lengths and its buffers; where in each buffer the
 * step's rows are follows from those (step_offsets). A buffer a configuration does not use (b_hh without bias, the
 * peepholes, the reserve in inference) is a stand-in the kernel does not touch.
 */

/*
 * The forward cell step's parameters, shared by cell_forward and recurrent_forward (GH_QUALIFIED qualifies gh:
 * read-only for the cell, written by the recurrent kernel). In a projected forward hNext is m's buffer, else hPrev's.
 */
#define CELL_FORWARD_PARAMS(GH_QUALIFIED) GLOBAL const int* cfgWords, int batch, int step, \
        GLOBAL const int* lengths, GLOBAL const float* gx, GH_QUALIFIED float* gh, GLOBAL const float* bhh, \
        GLOBAL const float* peep, GLOBAL const float* hPrev, GLOBAL float* hNext, GLOBAL float* cs, \
        GLOBAL float* reserve
/* What cell_forward_unit takes after (b, j, cfg, at), under the same names. */
#define CELL_UNIT_ARGS step, lengths, gx, gh, bhh, peep, hPrev, hNext, cs, reserve

/* The forward cell step of row b, hidden unit j: what cell_forward's work item (b, j) computes. */
DEVICE_FN void cell_forward_unit(int b, int j, step_cfg cfg, step_at at, int step, GLOBAL const int* lengths,
                                 GLOBAL const float* gx, GLOBAL const float* gh, GLOBAL const float* bhh,
                                 GLOBAL const float* peep, GLOBAL const float* hPrev, GLOBAL float* hNext,
                                 GLOBAL float* cs, GLOBAL float* reserve) {
    int H = cfg.hidden;
    int hi = b * H + j;
    if (step >= lengths[b]) {
        /* Past the sequence's end the state carries; a projected LSTM's m is zero (the driver carries h). */
        hNext[at.hNext + hi] = cfg.projected ? 0.0f : hPrev[at.hPrev + hi];
        if (cfg.cell == CELL_LSTM) {
            cs[at.cNext + hi] = cs[at.cPrev + hi];
        }
        return;
    }
    int G = gate_count(cfg.cell);
    int gxRow = at.gx + b * G * H;
    int ghRow = b * G * H;
    int r = at.reserve + b * cfg.reserveWidth;
    if (cfg.cell == CELL_RNN_TANH || cfg.cell == CELL_RNN_RELU) {
        float pre = gx[gxRow + j] + gh[ghRow + j] + (cfg.hasBias ? bhh[j] : 0.0f);
        hNext[at.hNext + hi] = act_apply(cfg.f0, cfg.a0, cfg.b0,
                gate_pre(pre, cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, j, cfg.training, cfg.keepPre));
        return;
    }
    if (cfg.cell == CELL_LSTM) {
        float cp = cs[at.cPrev + hi];
        float pi = cfg.hasPeep ? peep[j] : 0.0f;
        float pf = cfg.hasPeep ? peep[H + j] : 0.0f;
        float po = cfg.hasPeep ? peep[2 * H + j] : 0.0f;
        float i = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (cfg.hasBias ? bhh[j] : 0.0f)
                + pi * cp, cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, j, cfg.training, cfg.keepPre));
        float f = cfg.inputForget ? 1.0f - i : act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
                + (cfg.hasBias ? bhh[H + j] : 0.0f) + pf * cp, cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, H + j,
                cfg.training, cfg.keepPre));
        float g = act_apply(cfg.f1, cfg.a1, cfg.b1, gate_pre(gx[gxRow + 2 * H + j] + gh[ghRow + 2 * H + j]
                + (cfg.hasBias ? bhh[2 * H + j] : 0.0f), cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, 2 * H + j,
                cfg.training, cfg.keepPre));
        float c = f * cp + i * g;
        if (cfg.cellClip > 0.0f) {
            c = c > cfg.cellClip ? cfg.cellClip : (c < -cfg.cellClip ? -cfg.cellClip : c); /* cuDNN's cell clipping */
        }
        float o = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + 3 * H + j] + gh[ghRow + 3 * H + j]
                + (cfg.hasBias ? bhh[3 * H + j] : 0.0f) + po * c, cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, 3 * H + j,
                cfg.training, cfg.keepPre));
        cs[at.cNext + hi] = c;
        hNext[at.hNext + hi] = o * act_apply(cfg.f2, cfg.a2, cfg.b2, c);
        if (cfg.training) {
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
    if (cfg.originalGru) {
        /* r, z are activations already (gru_reset_forward); gh's n column is (r ⊙ h)·W_hnᵀ. */
        rr = gh[ghRow + j];
        z = gh[ghRow + H + j];
        n = act_apply(cfg.f1, cfg.a1, cfg.b1, gate_pre(gx[gxRow + 2 * H + j] + gh[ghRow + 2 * H + j]
                + (cfg.hasBias ? bhh[2 * H + j] : 0.0f), cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, 2 * H + j,
                cfg.training, cfg.keepPre));
    } else {
        rr = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (cfg.hasBias ? bhh[j] : 0.0f),
                cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, j, cfg.training, cfg.keepPre));
        z = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
                + (cfg.hasBias ? bhh[H + j] : 0.0f), cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, H + j, cfg.training,
                cfg.keepPre));
        float hn = gh[ghRow + 2 * H + j] + (cfg.hasBias ? bhh[2 * H + j] : 0.0f);
        n = act_apply(cfg.f1, cfg.a1, cfg.b1, gate_pre(gx[gxRow + 2 * H + j] + rr * hn, cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt,
                2 * H + j, cfg.training, cfg.keepPre));
        if (cfg.training) {
            reserve[r + 3 * H + j] = hn;
        }
    }
    hNext[at.hNext + hi] = (1.0f - z) * n + z * hPrev[at.hPrev + hi];
    if (cfg.training) {
        reserve[r + j] = rr;
        reserve[r + H + j] = z;
        reserve[r + 2 * H + j] = n;
    }
}

KERNEL void cell_forward(CELL_FORWARD_PARAMS(GLOBAL const)) {
    step_cfg cfg = step_cfg_read(cfgWords);
    int id = GID_X();
    if (id >= batch * cfg.hidden) {
        return;
    }
    int b = id / cfg.hidden;
    cell_forward_unit(b, id - b * cfg.hidden, cfg, step_offsets(cfg, batch, step, 1), CELL_UNIT_ARGS);
}

/* The backward cell step; hPrev holds the h states of every step (h_t at at.hNext), cs the cell states. */
KERNEL void cell_backward(GLOBAL const int* cfgWords, int batch, int step, GLOBAL const int* lengths,
                          GLOBAL const float* peep, GLOBAL const float* hPrev, GLOBAL const float* cs,
                          GLOBAL const float* reserve, GLOBAL const float* dy, GLOBAL const float* dh,
                          GLOBAL float* dc, GLOBAL float* dhPrev, GLOBAL float* dGx, GLOBAL float* dGh) {
    step_cfg cfg = step_cfg_read(cfgWords);
    step_at at = step_offsets(cfg, batch, step, 0);
    int ownRecurrent = cfg.cell == CELL_GRU && !cfg.originalGru;
    int id = GID_X();
    if (id >= batch * cfg.hidden) {
        return;
    }
    int H = cfg.hidden;
    int b = id / H;
    int j = id - b * H;
    int hi = b * H + j;
    int G = gate_count(cfg.cell);
    int gRow = at.gx + b * G * H;
    int hRow = at.gx + b * G * H;
    float d = dh[hi] + (!cfg.projected ? dy[at.dy + hi] : 0.0f);
    if (step >= lengths[b]) {
        /* Past the end: gradients pass through, gate gradients are zero. */
        dhPrev[hi] = d;
        for (int q = 0; q < G; q++) {
            dGx[gRow + q * H + j] = 0.0f;
            if (ownRecurrent) {
                dGh[hRow + q * H + j] = 0.0f;
            }
        }
        return;
    }
    int r = at.reserve + b * cfg.reserveWidth;
    if (cfg.cell == CELL_RNN_TANH || cfg.cell == CELL_RNN_RELU) {
        float h = hPrev[at.hNext + hi];
        dGx[gRow + j] = d * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, j, h)
                * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, j);
        dhPrev[hi] = 0.0f;
        return;
    }
    if (cfg.cell == CELL_LSTM) {
        float i = reserve[r + j];
        float f = reserve[r + H + j];
        float g = reserve[r + 2 * H + j];
        float o = reserve[r + 3 * H + j];
        float c = cs[at.cNext + hi];
        float ao = d * act_apply(cfg.f2, cfg.a2, cfg.b2, c) * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, 3 * H + j, o)
                * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, 3 * H + j);
        float dcTotal = dc[hi] + d * o * act_slope(cfg.f2, cfg.a2, cfg.b2, c)
                + ao * (cfg.hasPeep ? peep[2 * H + j] : 0.0f);
        if (cfg.cellClip > 0.0f && FABSF(c) >= cfg.cellClip) {
            dcTotal = 0.0f; /* c_t was clamped */
        }
        float cp = cs[at.cPrev + hi];
        /* With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f. */
        float ai = dcTotal * (cfg.inputForget ? g - cp : g) * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, j, i)
                * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, j);
        float af = cfg.inputForget ? 0.0f : dcTotal * cp * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, H + j, f)
                * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, H + j);
        dGx[gRow + j] = ai;
        dGx[gRow + H + j] = af;
        dGx[gRow + 2 * H + j] = dcTotal * i * slope_of(cfg.keepPre, cfg.f1, cfg.a1, cfg.b1, reserve, r, cfg.presAt, 2 * H + j, g)
                * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, 2 * H + j);
        dGx[gRow + 3 * H + j] = ao;
        dc[hi] = dcTotal * f + ai * (cfg.hasPeep ? peep[j] : 0.0f)
                + af * (cfg.hasPeep ? peep[H + j] : 0.0f);
        dhPrev[hi] = 0.0f;
        return;
    }
    /* GRU */
    float rr = reserve[r + j];
    float z = reserve[r + H + j];
    float n = reserve[r + 2 * H + j];
    float dn = d * (1.0f - z) * slope_of(cfg.keepPre, cfg.f1, cfg.a1, cfg.b1, reserve, r, cfg.presAt, 2 * H + j, n)
            * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, 2 * H + j);
    float dz = d * (hPrev[at.hPrev + hi] - n) * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, H + j, z)
            * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, H + j);
    dGx[gRow + H + j] = dz;
    dGx[gRow + 2 * H + j] = dn;
    dhPrev[hi] = d * z;
    if (cfg.originalGru) {
        dGx[gRow + j] = 0.0f; /* written by gru_reset_backward, once dn·W_hn is known */
        return;
    }
    float hn = reserve[r + 3 * H + j];
    float dr = dn * hn * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, j, rr)
            * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, j);
    dGx[gRow + j] = dr;
    dGh[hRow + j] = dr;
    dGh[hRow + H + j] = dz;
    dGh[hRow + 2 * H + j] = dn * rr;
}

/*
 * Original-form GRU, first part of a forward step: r, z over gh's r, z columns, r ⊙ h_prev into rh (the reserve
 * itself in training, at.rh within its rows).
 */
KERNEL void gru_reset_forward(GLOBAL const int* cfgWords, int batch, int step, GLOBAL const int* lengths,
                              GLOBAL const float* gx, GLOBAL float* gh, GLOBAL const float* bhh,
                              GLOBAL const float* hPrev, GLOBAL float* rh, GLOBAL float* reserve) {
    step_cfg cfg = step_cfg_read(cfgWords);
    step_at at = step_offsets(cfg, batch, step, 1);
    int id = GID_X();
    if (id >= batch * cfg.hidden) {
        return;
    }
    int H = cfg.hidden;
    int b = id / H;
    int j = id - b * H;
    int rhAt = at.rh + b * at.rhStride + j;
    if (step >= lengths[b]) {
        rh[rhAt] = 0.0f;
        return;
    }
    int gxRow = at.gx + b * 3 * H;
    int ghRow = b * 3 * H;
    int r = at.reserve + b * cfg.reserveWidth;
    float rr = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + j] + gh[ghRow + j] + (cfg.hasBias ? bhh[j] : 0.0f),
            cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, j, cfg.training, cfg.keepPre));
    float z = act_apply(cfg.f0, cfg.a0, cfg.b0, gate_pre(gx[gxRow + H + j] + gh[ghRow + H + j]
            + (cfg.hasBias ? bhh[H + j] : 0.0f), cfg.clip, reserve, r, cfg.flagsAt, cfg.presAt, H + j, cfg.training, cfg.keepPre));
    gh[ghRow + j] = rr;
    gh[ghRow + H + j] = z;
    rh[rhAt] = rr * hPrev[at.hPrev + b * H + j];
}

/* Original-form GRU, last part of a backward step: the r gate's gradient and r's share of dh_prev. */
KERNEL void gru_reset_backward(GLOBAL const int* cfgWords, int batch, int step, GLOBAL const int* lengths,
                               GLOBAL const float* hPrev, GLOBAL const float* drh, GLOBAL const float* reserve,
                               GLOBAL float* dhPrev, GLOBAL float* dGx) {
    step_cfg cfg = step_cfg_read(cfgWords);
    step_at at = step_offsets(cfg, batch, step, 0);
    int id = GID_X();
    if (id >= batch * cfg.hidden) {
        return;
    }
    int H = cfg.hidden;
    int b = id / H;
    int j = id - b * H;
    if (step >= lengths[b]) {
        return;
    }
    int hi = b * H + j;
    int r = at.reserve + b * cfg.reserveWidth;
    float rr = reserve[r + j];
    float d = drh[hi];
    dGx[at.gx + b * 3 * H + j] = d * hPrev[at.hPrev + hi] * slope_of(cfg.keepPre, cfg.f0, cfg.a0, cfg.b0, reserve, r, cfg.presAt, j, rr)
            * passed_flag(cfg.clip, reserve, r, cfg.flagsAt, j);
    dhPrev[hi] += d * rr;
}
