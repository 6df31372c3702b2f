package dev.rnn4j.internal.bptt;

import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.StepConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Every device buffer one layer stack needs for a forward pass and, in training, its backward pass: planned from
 * the spec and a capacity of {@code rows = T·B} and {@code batch = B}, allocated once and reused by every call
 * that fits. Training workspaces also hold the reserve (saved activations and gate gradients) that backward reads.
 *
 * <p>Shapes below use the current call's T and B; every buffer is large enough for the capacity.
 */
public final class Workspace implements AutoCloseable {
    final RnnSpec spec;
    final boolean training;
    final int rowCapacity;
    final int batchCapacity;
    private final List<DeviceBuffer> owned = new ArrayList<>();

    /** {@code [T, B, I]} layer-0 input, sequence-major. */
    final DeviceBuffer x;
    /** {@code [B]} INT32 sequence lengths. */
    final DeviceBuffer lengths;
    /** Per layer (training) or two ping-pong buffers (inference): {@code [T, B, H·D]} layer outputs. */
    final DeviceBuffer[] y;
    /**
     * Per layer and direction (training) or per direction (inference, shared by the layers): {@code [T+1, B, S]}
     * h_0..h_T in processing order; S is {@link RnnSpec#stateSize()} (P with a projection, else H).
     */
    final DeviceBuffer[] hs;
    /** As {@link #hs}, for the LSTM cell state ({@code [T+1, B, H]}); null otherwise. */
    final DeviceBuffer[] cs;
    /**
     * Projected LSTM: {@code m = o ⊙ tanh(c)} before the projection, per layer and direction {@code [T, B, H]}
     * (training, for dW_hr) or per direction {@code [B, H]} (inference); else null.
     */
    final DeviceBuffer[] ms;
    /** Per direction: {@code [T, B, G·H]} input projections of the current layer, in processing order. */
    final DeviceBuffer[] gx;
    /** {@code [T, B, max(G·H, H·D)]} time-ordered scratch for the reverse direction; null when unidirectional. */
    final DeviceBuffer timeOrdered;
    /** Per direction: {@code [B, G·H]} recurrent projection of one step. */
    final DeviceBuffer[] gh;
    /** Per layer and direction: {@code [T, B, reserveWidth]} saved activations; null in inference or for plain RNNs. */
    final DeviceBuffer[] reserve;
    /**
     * Original-form GRU in inference, per direction: {@code [B, H]} r ⊙ h_prev of one step (training keeps it in the
     * reserve); else null.
     */
    final DeviceBuffer[] rh;
    /** Original-form GRU in training, per direction: {@code [B, H]} gradient of r ⊙ h_prev of one step; else null. */
    final DeviceBuffer[] drh;
    /** {@code [L·D, B, H]} initial and final states, staged for transfer. */
    final DeviceBuffer h0;
    final DeviceBuffer c0;
    final DeviceBuffer hN;
    final DeviceBuffer cN;

    // Backward (training only).
    /** {@code [T, B, H·D]} upstream gradient of the top layer's output. */
    final DeviceBuffer dY;
    /** Per direction: {@code [T, B, H]} its output gradient in processing order; null for the projected LSTM. */
    final DeviceBuffer[] dYSteps;
    /**
     * Projected LSTM, per layer and direction: {@code [T+1, B, P]} the h gradient of every step (slot t+1 for
     * step t, slot 0 for h0), kept for dW_hr; else null.
     */
    final DeviceBuffer[] dHs;
    /** Projected LSTM, per direction: {@code [B, H]} the gradient of one step's m; else null. */
    final DeviceBuffer[] dm;
    /** Per layer and direction: {@code [T, B, G·H]} input-side gate gradients, processing order (kept for backward-weights). */
    final DeviceBuffer[] dGatesX;
    /** Per layer and direction, GRU only: recurrent-side gate gradients; for other cells the same as dGatesX. */
    final DeviceBuffer[] dGatesH;
    /** Two {@code [T, B, max(I, H·D)]} buffers: gradient of a layer's input, which is the next lower layer's dY. */
    final DeviceBuffer[] dX;
    /**
     * Per direction, two {@code [B, H]} ping-pong buffers for the carried hidden-state gradient (projected LSTM: the
     * first is the cell step's dhPrev scratch), and one for the cell state (LSTM; else null).
     */
    final DeviceBuffer[][] dH;
    final DeviceBuffer[] dC;
    /** {@code [L·D, B, H]} upstream gradients of h_n, c_n and the resulting gradients of h0, c0. */
    final DeviceBuffer dHn;
    final DeviceBuffer dCn;
    final DeviceBuffer dH0;
    final DeviceBuffer dC0;

    /** Per layer below the top, in training with dropout between layers: that layer's dropout mask; lazily made. */
    private DeviceBuffer[] dropoutMasks;
    private final Backend owner;

    /** The dropout mask of the outputs of layer {@code layer} ({@code [T, B, S·D]}), made on first use. */
    DeviceBuffer dropoutMask(int layer) {
        if (dropoutMasks == null) {
            dropoutMasks = new DeviceBuffer[spec.layers()];
        }
        if (dropoutMasks[layer] == null) {
            dropoutMasks[layer] = alloc(owner, (long) rowCapacity * spec.outputSize());
        }
        return dropoutMasks[layer];
    }

    /** Plans and allocates; frees everything if an allocation fails. */
    public Workspace(Backend backend, RnnSpec spec, int rowCapacity, int batchCapacity, boolean training) {
        this.spec = spec;
        this.training = training;
        this.rowCapacity = rowCapacity;
        this.batchCapacity = batchCapacity;
        this.owner = backend;
        long rows = rowCapacity;
        long batch = batchCapacity;
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        boolean projected = spec.projectionSize() > 0;
        int D = spec.directions();
        int LD = spec.stateLayers();
        int GH = spec.gateRows();
        int widestInput = Math.max(spec.inputSize(), spec.outputSize());
        boolean lstm = spec.cell() == CellType.LSTM;
        int reserveWidth = StepConfig.reserveWidth(spec);
        try {
            x = alloc(backend, rows * spec.inputSize());
            DeviceBuffer len = backend.allocateInts(batch);
            owned.add(len);
            lengths = len;
            y = new DeviceBuffer[training ? spec.layers() : Math.min(2, spec.layers())];
            for (int i = 0; i < y.length; i++) {
                y[i] = alloc(backend, rows * spec.outputSize());
            }
            int stateBuffers = training ? LD : D;
            hs = new DeviceBuffer[stateBuffers];
            cs = lstm ? new DeviceBuffer[stateBuffers] : null;
            ms = projected ? new DeviceBuffer[stateBuffers] : null;
            for (int i = 0; i < stateBuffers; i++) {
                hs[i] = alloc(backend, (rows + batch) * S);
                if (lstm) {
                    cs[i] = alloc(backend, (rows + batch) * H);
                }
                if (projected) {
                    ms[i] = alloc(backend, (training ? rows : batch) * H);
                }
            }
            gx = new DeviceBuffer[D];
            gh = new DeviceBuffer[D];
            for (int d = 0; d < D; d++) {
                gx[d] = alloc(backend, rows * GH);
                gh[d] = alloc(backend, batch * GH);
            }
            timeOrdered = D == 2 ? alloc(backend, rows * Math.max(GH, spec.outputSize())) : null;
            reserve = training && reserveWidth > 0 ? new DeviceBuffer[LD] : null;
            if (reserve != null) {
                for (int i = 0; i < LD; i++) {
                    reserve[i] = alloc(backend, rows * reserveWidth);
                }
            }
            boolean originalGru = spec.linearAfterReset();
            rh = originalGru && !training ? new DeviceBuffer[D] : null;
            drh = originalGru && training ? new DeviceBuffer[D] : null;
            for (int d = 0; d < D && originalGru; d++) {
                if (training) {
                    drh[d] = alloc(backend, batch * H);
                } else {
                    rh[d] = alloc(backend, batch * H);
                }
            }
            long states = (long) LD * batch * S;
            long cells = (long) LD * batch * H;
            h0 = alloc(backend, states);
            hN = alloc(backend, states);
            c0 = lstm ? alloc(backend, cells) : null;
            cN = lstm ? alloc(backend, cells) : null;
            if (training) {
                dY = alloc(backend, rows * spec.outputSize());
                dYSteps = projected ? null : new DeviceBuffer[D];
                dm = projected ? new DeviceBuffer[D] : null;
                dHs = projected ? new DeviceBuffer[LD] : null;
                for (int i = 0; projected && i < LD; i++) {
                    dHs[i] = alloc(backend, (rows + batch) * S);
                }
                dH = new DeviceBuffer[D][];
                dC = lstm ? new DeviceBuffer[D] : null;
                for (int d = 0; d < D; d++) {
                    if (projected) {
                        dm[d] = alloc(backend, batch * H);
                    } else {
                        dYSteps[d] = alloc(backend, rows * H);
                    }
                    dH[d] = new DeviceBuffer[] {alloc(backend, batch * H), alloc(backend, batch * H)};
                    if (lstm) {
                        dC[d] = alloc(backend, batch * H);
                    }
                }
                dGatesX = new DeviceBuffer[LD];
                dGatesH = new DeviceBuffer[LD];
                for (int i = 0; i < LD; i++) {
                    dGatesX[i] = alloc(backend, rows * GH);
                    // Only PyTorch's GRU has recurrent-side gate gradients of its own (r scales W_hn h + b_hn).
                    dGatesH[i] = spec.cell() == CellType.GRU && !originalGru ? alloc(backend, rows * GH) : dGatesX[i];
                }
                dX = new DeviceBuffer[] {alloc(backend, rows * widestInput), alloc(backend, rows * widestInput)};
                dHn = alloc(backend, states);
                dH0 = alloc(backend, states);
                dCn = lstm ? alloc(backend, cells) : null;
                dC0 = lstm ? alloc(backend, cells) : null;
            } else {
                dY = dHn = dCn = dH0 = dC0 = null;
                dGatesX = dGatesH = dX = dYSteps = dC = dHs = dm = null;
                dH = null;
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private DeviceBuffer alloc(Backend backend, long floats) {
        DeviceBuffer b = backend.allocate(floats);
        owned.add(b);
        return b;
    }

    /** Whether a call of T steps and B sequences fits without reallocation. */
    public boolean fits(int steps, int batch, boolean needTraining) {
        return (long) steps * batch <= rowCapacity && batch <= batchCapacity && (training || !needTraining);
    }

    /** Bytes of device memory held. */
    public long bytes() {
        long total = 0;
        for (DeviceBuffer b : owned) {
            total += b.size() * 4;
        }
        return total;
    }


    /** Capacity in rows (T·B). */
    public int rowCapacity() {
        return rowCapacity;
    }

    /** Capacity in sequences (B). */
    public int batchCapacity() {
        return batchCapacity;
    }

    /** {@code [T, B, I]} layer-0 input, to upload before forward. */
    public DeviceBuffer input() {
        return x;
    }

    /** {@code [B]} INT32 lengths, to upload before forward. */
    public DeviceBuffer lengths() {
        return lengths;
    }

    /** {@code [L·D, B, S]} initial hidden state, to upload (or zero) before forward. */
    public DeviceBuffer initialHidden() {
        return h0;
    }

    /** {@code [L·D, B, H]} initial cell state (LSTM), to upload (or zero) before forward. */
    public DeviceBuffer initialCell() {
        return c0;
    }

    /** {@code [T, B, H·D]} the top layer's output after forward. */
    public DeviceBuffer output() {
        return y[(spec.layers() - 1) % y.length];
    }

    /** {@code [L·D, B, H]} final hidden states after forward. */
    public DeviceBuffer finalHidden() {
        return hN;
    }

    /** {@code [L·D, B, H]} final cell states (LSTM) after forward. */
    public DeviceBuffer finalCell() {
        return cN;
    }

    /** {@code [T, B, H·D]} upstream output gradient, to upload (or zero) before backward-data. */
    public DeviceBuffer outputGradient() {
        return dY;
    }

    /** {@code [L·D, B, H]} upstream gradient of h_n, to upload (or zero) before backward-data. */
    public DeviceBuffer finalHiddenGradient() {
        return dHn;
    }

    /** {@code [L·D, B, H]} upstream gradient of c_n (LSTM), to upload (or zero) before backward-data. */
    public DeviceBuffer finalCellGradient() {
        return dCn;
    }

    /** {@code [T, B, I]} gradient of the layer-0 input after backward-data. */
    public DeviceBuffer inputGradient() {
        return dX[0];
    }

    /** {@code [L·D, B, H]} gradient of h0 after backward-data. */
    public DeviceBuffer initialHiddenGradient() {
        return dH0;
    }

    /** {@code [L·D, B, H]} gradient of c0 (LSTM) after backward-data. */
    public DeviceBuffer initialCellGradient() {
        return dC0;
    }

    /** The buffer holding layer {@code layer}'s output. */
    DeviceBuffer layerOutput(int layer) {
        return y[layer % y.length];
    }

    /** Index into {@link #hs}, {@link #cs} for a layer and direction. */
    int stateSlot(int layer, int direction) {
        return training ? layer * spec.directions() + direction : direction;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : owned) {
            b.close();
        }
        owned.clear();
    }
}
