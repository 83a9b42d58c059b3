# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Newton, cubic regularization and lazy Hessians
#
# Newton's method minimizes the quadratic model
# $f(x) + \nabla f(x)^T h + \tfrac12 h^T \nabla^2 f(x) h$; where the Hessian is
# indefinite the model has no minimizer and the Newton step
# $h = -\nabla^2 f(x)^{-1} \nabla f(x)$ may head *to* a saddle point.
# Cubic regularization (Nesterov & Polyak, 2006) minimizes instead
#
# $$h_k = \arg\min_h \; \nabla f(x_k)^T h + \tfrac12 h^T \nabla^2 f(x_k) h + \tfrac{M}{6}\|h\|^3,$$
#
# a model bounded below for every Hessian, whose global minimizer uses the negative
# curvature and leaves strict saddles. Lazy Hessians (Doikov, Chayti & Jaggi, 2023)
# keep one Hessian (and its eigendecomposition) for $m$ steps and refresh only the
# gradient: with $m = d$ the total arithmetic drops by a factor of about $\sqrt d$.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems import LogisticRegression

SMALL = os.environ.get("OPTKIT_NOTEBOOK_SMALL", "0") not in ("", "0")

# %% [markdown]
# ## 1. Escaping a saddle
#
# $f(x, y) = \tfrac14 x^4 - \tfrac12 x^2 + \tfrac12 y^2$ has a strict saddle at the
# origin and minima at $(\pm 1, 0)$. From $(0, 1)$ the gradient has no $x$
# component, so Newton's method jumps straight onto the saddle.

# %%
def f(z):
    x, y = z
    return 0.25 * x**4 - 0.5 * x**2 + 0.5 * y**2


def grad(z):
    x, y = z
    return np.array([x**3 - x, y])


def hess(z):
    x, _ = z
    return np.array([[3 * x**2 - 1, 0.0], [0.0, 1.0]])


z0 = np.array([0.0, 1.0])
newton = [z0]
for _ in range(5):                       # the plain Newton iteration
    z = newton[-1]
    newton.append(z - np.linalg.solve(hess(z), grad(z)))
newton = np.array(newton)

path = [z0]
res = optkit.minimize(f, z0, jac=grad, hess=hess, method="cubic-newton", tol=1e-10,
                      callback=lambda xk: path.append(np.array(xk, copy=True)))
path = np.array(path)
print("Newton ends at", newton[-1], "  cubic Newton ends at", res.x, "status", res.status)

xs, ys = np.meshgrid(np.linspace(-1.6, 1.6, 200), np.linspace(-1.2, 1.2, 200))
fig, ax = plt.subplots(figsize=(6, 4))
ax.contour(xs, ys, f((xs, ys)), levels=30, cmap="Greys", linewidths=0.7)
ax.plot(newton[:, 0], newton[:, 1], "o-", color="C3", label="Newton: stops on the saddle")
ax.plot(path[:, 0], path[:, 1], "s-", color="C0", label="cubic Newton: reaches a minimum")
ax.plot([0], [0], "kx", ms=10)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Hessians against time: lazy cubic Newton
#
# L2-regularized logistic regression in dimension $d$. `cubic-newton` computes a
# Hessian at every iteration, `lazy-cubic-newton` one every $m = d$ iterations.
# Lazy Newton takes more iterations but far fewer Hessians, and wins in time when
# a Hessian (and its factorization) costs much more than a gradient.

# %%
rng = np.random.default_rng(0)
n, d = (400, 60) if SMALL else (2000, 200)
X = rng.standard_normal((n, d)) * rng.uniform(0.2, 3.0, d)
y = np.where(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
problem = LogisticRegression(X, y, mu=1e-4)

runs = {}
for method in ["cubic-newton", "lazy-cubic-newton"]:
    t0 = time.perf_counter()
    runs[method] = optkit.minimize(problem, np.zeros(d), method=method, tol=1e-9,
                                   options={"maxiter": 500})
    print(f"{method:18s} nit={runs[method].nit:4d} Hessians={runs[method].nhev:4d} "
          f"gradients={runs[method].njev:4d} wall={time.perf_counter() - t0:.2f}s")
f_star = min(r.fun for r in runs.values())

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for method, r in runs.items():
    gap = np.maximum(np.asarray(r.trace["fun"]) - f_star, 1e-16)
    ax1.semilogy(r.trace["nhev"], gap, ".-", label=method)
    ax2.semilogy(r.trace["time"], gap, ".-", label=method)
ax1.set_xlabel("Hessians computed")
ax2.set_xlabel("time (s)")
for ax in (ax1, ax2):
    ax.set_ylabel("f - f*")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Start the saddle example from $(10^{-8}, 1)$ instead. Does Newton still stop
#    on the saddle? Run `cubic-newton` with `options={"certificate": "second-order"}`
#    from the saddle $(0, 0)$ itself and explain why the plain gradient certificate
#    would stop at once.
# 2. Vary the phase length `m` of `lazy-cubic-newton` (1, 5, $d$, $4d$). Plot the
#    time to `tol=1e-9` against `m`. Where is the optimum, and how does it move
#    when you double $d$?
