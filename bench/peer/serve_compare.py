#!/usr/bin/env python3
"""rnn4j serve-bench, one load three ways, interleaved: rnn4j through a session, rnn4j called directly (each client
its own layer copy), and ONNX Runtime Java (one shared OrtSession). Each round runs the three back to back, the
order rotating, so a noisy minute on a shared machine lands on every side; the table gives medians over rounds and
the ratios the serving targets are stated in.

  python3 bench/peer/serve_compare.py --rounds 3                       (64 clients, LSTM 256, T=50, B=1)
  python3 bench/peer/serve_compare.py --rounds 3 -- --streams 1000 --layers 2 --hidden 512
  python3 bench/peer/serve_compare.py -- --clients 64 --hidden 64 --input 64 --steps 10

Everything after -- goes to every serve-bench run. Builds the peer jar first when it is missing
(mvn -B -q -Ppeers -DskipTests install, after the main build)."""
import argparse, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAR = os.path.join(ROOT, "bench", "peer", "onnxruntime", "target", "rnn4j-with-onnxruntime.jar")

def java():
    # The launcher adds the JVM flags and preloads libjsig (PoCL's signal handlers crash a JVM without it).
    return [os.path.join(ROOT, "rnn4j")]

def run(args, extra):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        r = subprocess.run(java() + ["serve-bench", *args, *extra, "--json", out], capture_output=True, text=True,
                           cwd=ROOT, timeout=3600, env=dict(os.environ, RNN4J_JAR=JAR))
        if r.returncode != 0:
            sys.exit(f"serve-bench {' '.join(args + extra)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
        return json.load(open(out))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="-- then serve-bench options for every run")
    a = p.parse_args()
    extra = [x for x in a.rest if x != "--"]
    main_jar = os.path.join(ROOT, "bench", "target", "rnn4j.jar")
    if not os.path.exists(JAR) or (os.path.exists(main_jar) and os.path.getmtime(main_jar) > os.path.getmtime(JAR)):
        # Every side runs from the peer jar (it holds the whole command line): rebuilt when the main build is newer.
        subprocess.run(["mvn", "-B", "-q", "-Ppeers", "-DskipTests", "install"], cwd=ROOT, check=True)
    sides = {"session": ["--mode", "session"], "direct": ["--mode", "direct", "--no-offline"],
             "onnxruntime": ["--engine", "onnxruntime", "--no-offline"]}
    names = list(sides)
    results = {n: [] for n in names}
    for k in range(a.rounds):
        order = names[k % 3:] + names[:k % 3]
        for n in order:
            results[n].append(run(sides[n], extra))
            j = results[n][-1]
            rate = j.get("steps_per_s", j.get("requests_per_s"))
            compute = (f"  compute p50 {j['session']['compute_p50_ms']:.3f} p99 {j['session']['compute_p99_ms']:.3f} ms"
                       if "session" in j else "")
            print(f"round {k + 1} {n:12s} {rate:10.1f}/s  p50 {j['p50_ms']:8.3f} ms  p99 {j['p99_ms']:8.3f} ms"
                  f"  mean batch {j['mean_batch']:6.2f}  cpu {j.get('cpu_ms_per_request', j.get('cpu_ms_per_feed')):.4f} ms"
                  + compute, flush=True)
    streams = "steps_per_s" in results["session"][0]
    key = "steps_per_s" if streams else "requests_per_s"
    med = lambda n, f: statistics.median(f(j) for j in results[n])
    print(f"\nmedians of {a.rounds} rounds ({results['session'][0]['model']}, {results['session'][0]['clients']} clients"
          f"{', %d streams' % results['session'][0]['streams'] if streams else ''}):")
    print(f"| side | {key} | p50 ms | p95 ms | p99 ms | mean batch | CPU ms each |")
    print("|---|---|---|---|---|---|---|")
    cpu = "cpu_ms_per_feed" if streams else "cpu_ms_per_request"
    for n in names:
        print(f"| {n} | {med(n, lambda j: j[key]):.1f} | {med(n, lambda j: j['p50_ms']):.3f} | "
              f"{med(n, lambda j: j['p95_ms']):.3f} | {med(n, lambda j: j['p99_ms']):.3f} | "
              f"{med(n, lambda j: j['mean_batch']):.2f} | {med(n, lambda j: j[cpu]):.4f} |")
    s = lambda f: statistics.median(f(i) for i in range(a.rounds))
    print(f"\nsession / direct      {s(lambda i: results['session'][i][key] / results['direct'][i][key]):.2f}")
    print(f"session / onnxruntime {s(lambda i: results['session'][i][key] / results['onnxruntime'][i][key]):.2f}")
    print(f"session / offline     {s(lambda i: results['session'][i]['offline']['served_over_offline']):.3f}"
          f"  (offline: one batch of {results['session'][0]['offline']['batch']})")

if __name__ == "__main__":
    main()
