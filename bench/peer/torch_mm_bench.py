#!/usr/bin/env python3
"""PyTorch's side of `rnn4j bench --gemm`: torch.mm on the same gemm:M:N:K[:TA:TB] rows, timed the same way
(warm-up, then the median of --reps samples, each at least 20 ms of back-to-back calls).

Run it in the same command as rnn4j's side, for example through bench/peer/rnn_ratios.py:
  python3 bench/peer/torch_mm_bench.py
TA/TB = T means the operand is a transposed view (as nn.LSTM passes W_hh to addmm), not a transposed copy.
"""
import argparse, os, statistics, sys, time

ROWS = ["gemm:1024:1024:1024", "gemm:1:1024:256:N:T", "gemm:32:1024:256:N:T", "gemm:64:1024:256:N:T",
        "gemm:1:2048:512:N:T", "gemm:32:2048:512:N:T", "gemm:64:2048:512:N:T",
        "gemm:1:4096:1024:N:T", "gemm:32:4096:1024:N:T", "gemm:64:4096:1024:N:T"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--json", help="also write the rows here, as rnn4j bench --json writes GEMM rows "
                    "(row, ms_median, ms_min, gflops)")
    a = ap.parse_args()
    results = []
    import torch
    torch.set_num_threads(a.threads)
    print(f"# torch {torch.__version__} torch.mm on cpu x{a.threads}")
    print("| row | ms median | ms min | GFLOP/s |")
    print("|---|---|---|---|")
    for row in a.rows.split(","):
        p = row.split(":")
        if p[0] != "gemm" or len(p) not in (4, 6):
            sys.exit(f"bad row {row!r}: want gemm:M:N:K[:TA:TB]")
        m, n, k = map(int, p[1:4])
        ta = len(p) == 6 and p[4] == "T"
        tb = len(p) == 6 and p[5] == "T"
        torch.manual_seed(0)
        A = torch.randn(k, m).t() if ta else torch.randn(m, k)
        B = torch.randn(n, k).t() if tb else torch.randn(k, n)
        C = torch.empty(m, n)
        call = lambda: torch.mm(A, B, out=C)
        end = time.perf_counter() + 0.5
        while time.perf_counter() < end:
            call()
        reps = 1
        while True:
            s = time.perf_counter()
            for _ in range(reps):
                call()
            if time.perf_counter() - s >= 0.02:
                break
            reps *= 2
        samples = []
        for _ in range(a.reps):
            s = time.perf_counter()
            for _ in range(reps):
                call()
            samples.append((time.perf_counter() - s) / reps)
        med = statistics.median(samples)
        print(f"| {row} | {med * 1e3:.3f} | {min(samples) * 1e3:.3f} | {2.0 * m * n * k / med / 1e9:.1f} |")
        sys.stdout.flush()
        results.append({"row": row, "ms_median": med * 1e3, "ms_min": min(samples) * 1e3,
                        "gflops": 2.0 * m * n * k / med / 1e9})
    if a.json:
        import json
        with open(a.json, "w") as f:
            json.dump({"schema": "torch-mm-bench/1", "torch": torch.__version__, "threads": a.threads,
                       "rows": results}, f, indent=2)


if __name__ == "__main__":
    main()
