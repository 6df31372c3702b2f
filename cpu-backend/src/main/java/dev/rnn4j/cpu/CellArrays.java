package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;

/**
 * The arrays and offsets of one cell step, resolved once per call from {@link StepArgs} (buffers that the step
 * writes are resolved for writing, which invalidates their packed GEMM copies). Reused from step to step: resolving
 * allocates nothing.
 */
final class CellArrays {
    CellType cell;
    int batch;
    int hidden;
    int step;
    int[] lengths;
    float[] gx;
    int gxOff;
    float[] gh;
    int ghOff;
    float[] bhh;
    int bhhOff;
    /** {@code p_i, p_f, p_o} ({@code [3·H]}), or null without peepholes. */
    float[] peep;
    int peepOff;
    /** LSTM input_forget: f = 1 − i. */
    boolean inputForget;
    /** Clip threshold, 0 for none; flags follow the usual reserve, from {@link #flagsAt} within a reserve row. */
    float clip;
    int flagsAt;
    /** LSTM cell clipping of c_t, 0 for none. */
    float cellClip;
    /** Original-form GRU (ONNX linear_before_reset = 0): gh's r, z columns hold activations, n sees r ⊙ h. */
    boolean linearAfterReset;
    /** Original-form GRU: r ⊙ h_prev rows ({@link #rhStride} apart), and its gradient ({@code [B, H]}). */
    float[] rh;
    int rhOff;
    int rhStride;
    float[] drh;
    int drhOff;
    /** ONNX's activations of this direction, or null for the cell's own. */
    dev.rnn4j.Activation[] activations;
    /** Where {@link #activations} are copied to, so that resolving a step allocates nothing. */
    private final dev.rnn4j.Activation[] ownActivations = new dev.rnn4j.Activation[3];
    /** With ONNX activations: where the gates' pre-activations start within a reserve row. */
    int presAt;
    /** Projected LSTM: hNext is m = o ⊙ tanh(c), zero past a sequence's end; hPrev is not read. */
    boolean projected;
    /** Whether any cell variant is on (peepholes, input_forget, either clip): the kernels' dispatch. */
    boolean variant;
    float[] hPrev;
    int hPrevOff;
    float[] cPrev;
    int cPrevOff;
    float[] hNext;
    int hNextOff;
    float[] cNext;
    int cNextOff;
    float[] reserve;
    int reserveOff;
    int reserveWidth;
    float[] dy;
    int dyOff;
    float[] dh;
    int dhOff;
    float[] dc;
    int dcOff;
    float[] dhPrev;
    int dhPrevOff;
    float[] dGx;
    int dGxOff;
    float[] dGh;
    int dGhOff;

    void forForward(CellType cell, StepArgs s) {
        common(cell, s);
        gx = CpuBuffer.floatsForRead(s.gx);
        gxOff = (int) s.gxOffset();
        gh = CpuBuffer.floatsForRead(s.gh);
        ghOff = 0;
        bhh = s.bhh == null ? null : CpuBuffer.floatsForRead(s.bhh);
        bhhOff = 0;
        hNext = CpuBuffer.floatsForWrite(s.hNext);
        cNext = cell.hasCellState() ? CpuBuffer.floatsForWrite(s.c) : null;
        reserve = s.reserve == null || reserveWidth == 0 ? null : CpuBuffer.floatsForWrite(s.reserve);
    }

    void forBackward(CellType cell, StepArgs s) {
        common(cell, s);
        hNext = CpuBuffer.floatsForRead(s.hNext);
        cNext = cell.hasCellState() ? CpuBuffer.floatsForRead(s.c) : null;
        reserve = reserveWidth == 0 ? null : CpuBuffer.floatsForRead(s.reserve);
        dy = s.dy == null ? null : CpuBuffer.floatsForRead(s.dy);
        dyOff = (int) s.dyOffset();
        dh = CpuBuffer.floatsForRead(s.dh);
        dhOff = 0;
        dc = cell.hasCellState() ? CpuBuffer.floatsForWrite(s.dc) : null;
        dcOff = 0;
        dhPrev = CpuBuffer.floatsForWrite(s.dhPrev);
        dhPrevOff = 0;
        dGx = CpuBuffer.floatsForWrite(s.dGatesX);
        dGxOff = (int) s.gxOffset();
        dGh = cell == CellType.GRU && !s.config.originalGru() ? CpuBuffer.floatsForWrite(s.dGatesH) : null;
        dGhOff = (int) s.gxOffset();
    }

    /** Original-form GRU, the first part of a forward step: writes r, z over gh and r ⊙ h_prev into rh. */
    void forResetForward(StepArgs s) {
        common(CellType.GRU, s);
        gx = CpuBuffer.floatsForRead(s.gx);
        gxOff = (int) s.gxOffset();
        gh = CpuBuffer.floatsForWrite(s.gh);
        ghOff = 0;
        bhh = s.bhh == null ? null : CpuBuffer.floatsForRead(s.bhh);
        bhhOff = 0;
        reserve = s.reserve == null ? null : CpuBuffer.floatsForWrite(s.reserve);
        rh = CpuBuffer.floatsForWrite(s.rhBuffer());
        rhOff = (int) s.rhOffset();
        rhStride = s.rhStride();
    }

    /** Original-form GRU, the last part of a backward step: the r gate's gradient and r's share of dh_prev. */
    void forResetBackward(StepArgs s) {
        common(CellType.GRU, s);
        reserve = CpuBuffer.floatsForRead(s.reserve);
        drh = CpuBuffer.floatsForRead(s.drh);
        drhOff = 0;
        dhPrev = CpuBuffer.floatsForWrite(s.dhPrev);
        dhPrevOff = 0;
        dGx = CpuBuffer.floatsForWrite(s.dGatesX);
        dGxOff = (int) s.gxOffset();
    }

    private void common(CellType cell, StepArgs s) {
        this.cell = cell;
        batch = s.batch;
        hidden = s.config.hidden();
        step = s.step();
        lengths = CpuBuffer.ints(s.lengths);
        hPrev = CpuBuffer.floatsForRead(s.hPrev);
        hPrevOff = (int) s.hPrevOffset();
        cPrev = cell.hasCellState() ? CpuBuffer.floatsForRead(s.c) : null;
        cPrevOff = (int) s.cPrevOffset();
        hNextOff = (int) s.hNextOffset();
        cNextOff = (int) s.cNextOffset();
        reserveOff = (int) s.reserveOffset();
        StepConfig config = s.config;
        if (config.onnxActivations()) {
            for (int slot = 0; slot < ownActivations.length; slot++) {
                ownActivations[slot] = config.activation(slot);
            }
            activations = ownActivations;
        } else {
            activations = null;
        }
        reserveWidth = config.reserveWidth();
        flagsAt = config.flagsAt();
        presAt = config.preActivationsAt();
        peep = s.peephole == null ? null : CpuBuffer.floatsForRead(s.peephole);
        peepOff = 0;
        inputForget = s.config.inputForget();
        clip = s.config.clip();
        cellClip = s.config.cellClip();
        linearAfterReset = s.config.originalGru();
        projected = s.config.projected();
        variant = peep != null || inputForget || clip > 0 || cellClip > 0 || linearAfterReset || activations != null;
    }

    /** Drops array references so closed buffers are not kept alive. */
    void clear() {
        lengths = null;
        gx = gh = bhh = peep = hPrev = cPrev = hNext = cNext = reserve = dy = dh = dc = dhPrev = dGx = dGh = null;
        rh = drh = null;
        activations = null;
    }
}
