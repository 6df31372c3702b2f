#!/usr/bin/env python3
"""rnn4j against PyTorch row by row: for each row, PyTorch's timing and then rnn4j's, back to back, so a noisy
minute on a shared machine lands on both sides of one ratio rather than on one side of a whole suite. Repeats the
rows --rounds times and prints each round's ratio (rnn4j median ms / PyTorch median ms) and their median.

Run from the repository root after `mvn -B -q -DskipTests package`:
  python3 bench/peer/rnn_ratios.py --rounds 3
  python3 bench/peer/rnn_ratios.py --rows infer:LSTM:1024:1024:64:25,train:LSTM:512:512:64:25 --rounds 5
GEMM rows (gemm:M:N:K[:TA:TB]) go to torch.mm instead (bench/peer/torch_mm_bench.py on OpenBLAS), and to rnn4j
with B fresh each call, as torch.mm packs it, unless --keep-b (B packed once, as the layers keep their weights):
  python3 bench/peer/rnn_ratios.py --rows gemm:1024:1024:1024,gemm:64:2048:512:N:T --rounds 5
Each rnn4j row runs in a fresh JVM with the bench's usual warm-up (RNN4J_JAVA_OPTS passes through); each PyTorch
row in a fresh interpreter.
Needs only the standard library. PyTorch's side of layer rows runs through --peer (or RNN4J_TORCH_RNN_PEER): any
command that takes --rows ROW and --json FILE and writes {"rows": [{"ms_median": ...}]}. GEMM rows run through
--gemm-peer (default: bench/peer/torch_mm_bench.py on the python3 on the path). To pin PyTorch to one BLAS, give a
wrapper command, e.g. --gemm-peer "env LD_LIBRARY_PATH=/opt/openblas/lib python3 bench/peer/torch_mm_bench.py".
"""
import argparse, json, os, shlex, statistics, subprocess, sys, tempfile

PEER = os.environ.get("RNN4J_TORCH_RNN_PEER")
GEMM_PEER = os.environ.get("RNN4J_TORCH_MM_PEER", "python3 bench/peer/torch_mm_bench.py")
ROWS = ("infer:LSTM:256:256:1:100,infer:LSTM:512:512:32:50,infer:LSTM:1024:1024:64:25,infer:GRU:512:512:32:50,"
        "infer:RNN_TANH:1024:1024:32:50,train:LSTM:256:256:32:50,train:LSTM:512:512:64:25,train:GRU:512:512:32:50,"
        "train:RNN_TANH:1024:1024:32:50,train:LSTM:256:256:32:50:2:1")


def run_json(cmd, what):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.json")
        p = subprocess.run(cmd + ["--json", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0 or not os.path.exists(path):
            sys.exit(f"rnn_ratios: {what} failed (exit {p.returncode}):\n{p.stdout[-2000:]}")
        with open(path) as f:
            return json.load(f)


def peer_ms(peer, row):
    rows = run_json(shlex.split(peer) + ["--rows", row], "the peer on " + row)["rows"]
    return rows[0]["ms_median"]


def rnn4j_ms(backend, row, keep_b):
    cmd = ["./rnn4j", "bench", "--backend", backend, "--rows", row, "--no-progress", "--no-peak"]
    if row.startswith("gemm:"):
        return run_json(cmd + (["--gemm-keep-b"] if keep_b else []), "rnn4j on " + row)["rows"][0]["ms_median"]
    r = run_json(cmd, "rnn4j on " + row)["rows"][0]
    if r["status"] != "ok":
        sys.exit(f"rnn_ratios: rnn4j {row}: {r['status']}: {r['note']}")
    return r["total_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default=ROWS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--peer", default=PEER, help="command printing PyTorch's side; --rows and --json are appended")
    ap.add_argument("--gemm-peer", default=GEMM_PEER, help="the same for GEMM rows")
    ap.add_argument("--keep-b", action="store_true", help="GEMM rows: rnn4j keeps B packed between calls")
    a = ap.parse_args()
    if not os.path.exists("rnn4j"):
        sys.exit("rnn_ratios: run from the repository root (./rnn4j not found)")
    rows = [r.strip() for r in a.rows.split(",") if r.strip()]
    if a.peer is None and any(not r.startswith("gemm:") for r in rows):
        sys.exit("rnn_ratios: layer rows need PyTorch's side: give --peer CMD (or set RNN4J_TORCH_RNN_PEER), a "
                 "command that takes --rows ROW --json FILE")
    ratios = {r: [] for r in rows}
    cells = {r: [] for r in rows}
    for n in range(a.rounds):
        for row in rows:
            theirs = peer_ms(a.gemm_peer if row.startswith("gemm:") else a.peer, row)
            ours = rnn4j_ms(a.backend, row, a.keep_b)
            ratios[row].append(ours / theirs)
            cells[row].append(f"{ours:.3g}/{theirs:.3g} = {ours / theirs:.2f}")
            print(f"round {n + 1} {row}: rnn4j {ours:.3f} ms, PyTorch {theirs:.3f} ms, ratio {ours / theirs:.3f}",
                  file=sys.stderr, flush=True)
    print("| row | " + " | ".join(f"round {n + 1}" for n in range(a.rounds)) + " | median ratio |")
    print("|---|" + "---|" * (a.rounds + 1))
    for row in rows:
        print(f"| {row} | " + " | ".join(cells[row]) + f" | {statistics.median(ratios[row]):.2f} |")


if __name__ == "__main__":
    main()
