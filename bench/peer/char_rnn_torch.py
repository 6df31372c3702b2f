"""PyTorch's side of the char-rnn comparison: the model `rnn4j-examples char-rnn` trains, the same way.

    python3 bench/peer/char_rnn_torch.py --minutes 10

Embedding(V, 64) -> LSTM(64, 256, 2 layers) -> Linear(256, V); Adam lr 2e-3; batches of 32 random windows of 100
characters from the first 90% of the text; gradient clipping at global norm 5; validation loss on 4 fixed
batches evenly spaced over the last 10% (the same windows as rnn4j's example) every 100 steps. Prints the same progress lines as rnn4j's example and, at the end,
steps per second and the validation curve. Threads: 2 (torch.set_num_threads), as on the 2-core build machines.
"""
import argparse
import math
import os
import random
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--text", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                                                   "tinyshakespeare.txt"))
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--steps", type=int, default=10**9)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--embed", type=int, default=64)
    p.add_argument("--seq", type=int, default=100)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    text = open(a.text, encoding="utf-8").read()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    split = int(len(ids) * 0.9)
    train, valid = ids[:split], ids[split:]

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(len(vocab), a.embed)
            self.rnn = torch.nn.LSTM(a.embed, a.hidden, a.layers)
            self.head = torch.nn.Linear(a.hidden, len(vocab))

        def forward(self, x):
            y, _ = self.rnn(self.embedding(x))
            return self.head(y)

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def windows(data, rng):
        starts = [rng.randrange(len(data) - a.seq - 1) for _ in range(a.batch)]
        x = torch.stack([data[s:s + a.seq] for s in starts], dim=1)
        y = torch.stack([data[s + 1:s + a.seq + 1] for s in starts], dim=1)
        return x, y

    # The same validation windows as rnn4j's example: 4 batches evenly spaced over the held-out text.
    room = len(valid) - a.seq - 1
    n = 4 * a.batch
    validation = []
    for v in range(4):
        starts = [room * (v * a.batch + b) // n for b in range(a.batch)]
        validation.append((torch.stack([valid[s:s + a.seq] for s in starts], dim=1),
                           torch.stack([valid[s + 1:s + a.seq + 1] for s in starts], dim=1)))
    start = time.time()
    step = 0
    curve = []
    last_report = start
    while step < a.steps and time.time() - start < a.minutes * 60:
        x, y = windows(train, random.Random(step))
        opt.zero_grad()
        loss = loss_fn(model(x).reshape(-1, len(vocab)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % a.eval_every == 0:
            with torch.no_grad():
                v = sum(loss_fn(model(vx).reshape(-1, len(vocab)), vy.reshape(-1)).item()
                        for vx, vy in validation) / len(validation)
            curve.append((step, time.time() - start, v))
        now = time.time()
        if now - last_report > 10:
            last_report = now
            print("step %d  loss %.4f%s  %.2f steps/s  %.0f s" % (step, loss.item(),
                  "  valid %.4f" % curve[-1][2] if curve else "", step / (now - start), now - start), flush=True)
    elapsed = time.time() - start
    print("torch %s: %d steps in %.1f s: %.3f steps/s; validation curve (step, seconds, loss):" %
          (torch.__version__, step, elapsed, step / elapsed))
    for s, t, v in curve:
        print("%d %.1f %.4f" % (s, t, v))


if __name__ == "__main__":
    main()
