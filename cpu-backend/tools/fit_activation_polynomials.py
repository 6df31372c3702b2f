#!/usr/bin/env python3
"""Fits the polynomials of VectorMath (cpu-backend) and checks them in float32, as they were derived.

  python3 cpu-backend/tools/fit_activation_polynomials.py

exp:  e^r = 1 + r + r^2 * (E0 + E1 r + E2 r^2 + E3 r^3 + E4 r^4) on |r| <= ln2/2, relative error minimised by
      iteratively reweighted least squares (Lawson's algorithm towards the minimax fit).
tanh: tanh x = x + x^3 * (T0 + T1 u + T2 u^2 + T3 u^3 + T4 u^4), u = x^2, on |x| <= 0.55, likewise.
Each fit is then evaluated as VectorMath does (float32, Horner with fused multiply-adds) and its worst error
printed in ulps of the float result. Needs numpy.
"""
import numpy as np


def lawson(A, f, w, rounds=200):
    lw = np.ones_like(f)
    for _ in range(rounds):
        coef, *_ = np.linalg.lstsq(A * (w * np.sqrt(lw))[:, None], f * w * np.sqrt(lw), rcond=None)
        err = np.abs((A @ coef - f) * w)
        lw = lw * err / err.max() + 1e-12
        lw /= lw.sum()
    return coef, err.max()


def fma32(a, b, c):
    return (a.astype(np.float64) * b + c).astype(np.float32)


def fit_exp():
    half = np.log(2) / 2
    r = np.cos(np.linspace(0, np.pi, 4000)) * half
    r = r[np.abs(r) > 1e-6]
    f = (np.exp(r) - 1 - r) / (r * r)
    A = np.vstack([r ** k for k in range(5)]).T
    coef, model_err = lawson(A, f, r * r / np.exp(r))
    c = coef.astype(np.float32)
    x = np.linspace(-87, 88, 2000001).astype(np.float32)
    n = np.round(x.astype(np.float64) * 1.4426950408889634).astype(np.float32)
    rr = fma32(n, np.float32(-0.693145751953125), x)
    rr = fma32(n, np.float32(-1.428606765330187e-06), rr)
    q = np.float32(c[4])
    for k in (3, 2, 1, 0):
        q = fma32(q, rr, c[k])
    p = (fma32(q, (rr * rr).astype(np.float32), rr) + np.float32(1)).astype(np.float32)
    y = (p.astype(np.float64) * np.exp2(n.astype(np.float64))).astype(np.float32)
    exact = np.exp(x.astype(np.float64))
    ulps = np.abs(y - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
    print("exp  E0..E4 =", [repr(float(v)) for v in c], " model error %.2e, float32 worst %.2f ulps"
          % (model_err, ulps.max()))


def fit_tanh(limit=0.55):
    x = (np.cos(np.linspace(0, np.pi, 4000)) * 0.5 + 0.5) * limit
    x = x[x > 1e-4]
    u = x * x
    f = (np.tanh(x) / x - 1) / u
    A = np.vstack([u ** k for k in range(5)]).T
    coef, model_err = lawson(A, f, u / (np.tanh(x) / x))
    c = coef.astype(np.float32)
    xt = np.linspace(1e-3, limit, 200001).astype(np.float32)
    ut = (xt * xt).astype(np.float32)
    t = np.float32(c[4])
    for k in (3, 2, 1, 0):
        t = fma32(t, ut, c[k])
    y = fma32((xt * ut).astype(np.float32), t, xt)
    exact = np.tanh(xt.astype(np.float64))
    ulps = np.abs(y - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
    print("tanh T0..T4 =", [repr(float(v)) for v in c], " model error %.2e, float32 worst %.2f ulps"
          % (model_err, ulps.max()))


if __name__ == "__main__":
    fit_exp()
    fit_tanh()
