/*
 * Forward steps that fuse the recurrent GEMM with the cell: recurrent_forward (one step in one launch, for small
 * batches) and recurrent_sequence (a layer direction's steps in one launch, W_hh kept on chip, the steps separated
 * by a barrier across the grid).
 */

/*
 * A whole forward step for a small batch in one launch: gh = h_{t-1}·W_hhᵀ (h_{t−1}: batch × k, k = stateSize, rows
 * k apart, from hPrev at the step's offset; W_hh: G·H rows of k) for the gate rows of a few hidden units, then
 * cell_forward_unit for those units, so gh never waits for a second launch. One work-group of STEP_GROUP items owns STEP_GROUP / STEP_LANES row slots: each slot
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

KERNEL void recurrent_forward(GLOBAL const float* w, CELL_FORWARD_PARAMS(GLOBAL)) {
    LOCAL float partial[STEP_MAX_BATCH * STEP_ROW_STRIDE];
    step_cfg cfg = step_cfg_read(cfgWords);
    step_at at = step_offsets(cfg, batch, step, 1);
    int k = cfg.stateSize;
    int lid = LID_X();
    int H = cfg.hidden;
    int G = gate_count(cfg.cell);
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
        int row = (gate * H + j) * k;
        for (int p = lane; p < k; p += STEP_LANES) {
            float x = w[row + p];
            for (int q = 0; q < STEP_MAX_BATCH; q++) {
                if (q < batch) {
                    acc[q] += x * hPrev[at.hPrev + q * k + p];
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
            gh[b * G * H + g * H + u] = lane_sum(partial, b, s);
        }
    }
    GLOBAL_BARRIER();
    if (lid < units * batch) {
        int b = lid / units;
        int u = j0 + lid - b * units;
        if (u < H) {
            cell_forward_unit(b, u, cfg, at, CELL_UNIT_ARGS);
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
 * group resident (CUDA: cooperative launch), or cover one step (t1 = t0 + 1), or be one group. Each step's rows
 * lie where step_offsets puts them (h_{t−1} is the A of its GEMM, k = hidden: no projection); gh is one step's,
 * reused. Launched as ceil(hidden / units) groups of STEP_GROUP items.
 */
KERNEL void recurrent_sequence(int t0, int t1, int units, GLOBAL int* barrierState, DYNAMIC_LOCAL_PARAM(cache),
                               GLOBAL const float* w, GLOBAL const int* cfgWords, int batch,
                               GLOBAL const int* lengths, GLOBAL const float* gx, GLOBAL float* gh,
                               GLOBAL const float* bhh, GLOBAL const float* peep, GLOBAL const float* hPrev,
                               GLOBAL float* hNext, GLOBAL float* cs, GLOBAL float* reserve) {
    DYNAMIC_LOCAL(cache);
    LOCAL float partial[STEP_MAX_BATCH * STEP_ROW_STRIDE];
    step_cfg cfg = step_cfg_read(cfgWords);
    int k = cfg.stateSize;
    int lid = LID_X();
    int H = cfg.hidden;
    int G = gate_count(cfg.cell);
    int j0 = GROUP_X() * units;
    int owned = H - j0 < units ? H - j0 : units;
    int rows = G * owned;
    for (int e = lid; e < rows * k; e += STEP_GROUP) {
        int r = e / k;
        int gate = r / owned;
        cache[e] = w[(gate * H + j0 + r - gate * owned) * k + e - r * k];
    }
    BARRIER();
    int slots = STEP_GROUP / STEP_LANES;
    int slot = lid / STEP_LANES;
    int lane = lid - slot * STEP_LANES;
    for (int t = t0; t < t1; t++) {
        if (t > t0) {
            grid_barrier(barrierState, NUM_GROUPS_X());
        }
        step_at at = step_offsets(cfg, batch, t, 1);
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
                            acc[q] += x * hPrev[at.hPrev + q * k + p];
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
                    gh[b * G * H + gate * H + j0 + rr - gate * owned] = lane_sum(partial, b, s);
                }
            }
            BARRIER();
        }
        GLOBAL_BARRIER();
        for (int e = lid; e < owned * batch; e += STEP_GROUP) {
            int b = e / owned;
            cell_forward_unit(b, j0 + e - b * owned, cfg, at, t, lengths, gx, gh, bhh, peep, hPrev, hNext, cs,
                    reserve);
        }
    }
}
