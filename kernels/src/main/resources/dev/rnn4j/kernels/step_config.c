/*
 * A layer direction's step configuration (StepConfig) as the step kernels read it from its device form (the words of
 * StepConfigWords, by the CFG_ indices of codes.h), and where a step's rows lie in each of its buffers: the rule of
 * StepArgs.forwardStep and backwardStep, written once for the device.
 */
typedef struct {
    int cell;
    int hidden;
    int stateSize;
    int gateRows;
    int hasBias;
    int hasPeep;
    int inputForget;
    float clip;
    float cellClip;
    int originalGru;
    int projected;
    int f0;
    float a0;
    float b0;
    int f1;
    float a1;
    float b1;
    int f2;
    float a2;
    float b2;
    int keepPre;
    int reserveWidth;
    int flagsAt;
    int presAt;
    int training;
} step_cfg;

DEVICE_FN step_cfg step_cfg_read(GLOBAL const int* w) {
    step_cfg c;
    c.cell = w[CFG_CELL];
    c.hidden = w[CFG_HIDDEN];
    c.stateSize = w[CFG_STATE_SIZE];
    c.gateRows = w[CFG_GATE_ROWS];
    c.hasBias = w[CFG_HAS_BIAS];
    c.hasPeep = w[CFG_HAS_PEEP];
    c.inputForget = w[CFG_INPUT_FORGET];
    c.clip = INT_AS_FLOAT(w[CFG_CLIP]);
    c.cellClip = INT_AS_FLOAT(w[CFG_CELL_CLIP]);
    c.originalGru = w[CFG_ORIGINAL_GRU];
    c.projected = w[CFG_PROJECTED];
    c.f0 = w[CFG_F0];
    c.a0 = INT_AS_FLOAT(w[CFG_A0]);
    c.b0 = INT_AS_FLOAT(w[CFG_B0]);
    c.f1 = w[CFG_F1];
    c.a1 = INT_AS_FLOAT(w[CFG_A1]);
    c.b1 = INT_AS_FLOAT(w[CFG_B1]);
    c.f2 = w[CFG_F2];
    c.a2 = INT_AS_FLOAT(w[CFG_A2]);
    c.b2 = INT_AS_FLOAT(w[CFG_B2]);
    c.keepPre = w[CFG_KEEP_PRE];
    c.reserveWidth = w[CFG_RESERVE_WIDTH];
    c.flagsAt = w[CFG_FLAGS_AT];
    c.presAt = w[CFG_PRES_AT];
    c.training = w[CFG_TRAINING];
    return c;
}

/* Where step t's rows start in each sequence buffer, in elements (the buffers of one step start at 0). */
typedef struct {
    int gx;
    int hPrev;
    int hNext;
    int cPrev;
    int cNext;
    int reserve;
    int dy;
    int rh;
    int rhStride;
} step_at;

DEVICE_FN step_at step_offsets(step_cfg c, int batch, int t, int forward) {
    step_at a;
    int rows = t * batch;
    a.gx = rows * c.gateRows;
    a.hPrev = rows * c.stateSize;
    a.hNext = forward && c.projected ? (c.training ? rows * c.hidden : 0) : a.hPrev + batch * c.stateSize;
    a.cPrev = rows * c.hidden;
    a.cNext = a.cPrev + batch * c.hidden;
    a.reserve = rows * c.reserveWidth;
    a.dy = rows * c.hidden;
    a.rh = c.training ? a.reserve + 3 * c.hidden : 0;
    a.rhStride = c.training ? c.reserveWidth : c.hidden;
    return a;
}
