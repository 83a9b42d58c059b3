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
# # Frank-Wolfe geometry: zig-zag, away steps and pairwise steps
#
# Frank-Wolfe minimizes a smooth $f$ over a polytope $C$ with only a linear
# minimization oracle (LMO): $s_k = \arg\min_{s \in C} \nabla f(x_k)^T s$ (a vertex),
# then $x_{k+1} = x_k + \gamma_k (s_k - x_k)$. Its certificate is the FW gap
# $g_k = \nabla f(x_k)^T (x_k - s_k) \ge f(x_k) - f^*$.
#
# When the solution lies on a face of $C$, the iterates can only move *towards*
# vertices, so they zig-zag between the vertices of that face and the rate is
# $O(1/k)$ even for strongly convex $f$. Away steps (move *away* from the worst
# vertex of the active set) and pairwise steps (shift weight from the worst vertex
# to the best) remove that obstacle: both converge linearly on polytopes
# (Lacoste-Julien & Jaggi, 2015).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems import LMOProblem
from optkit.problems.sets import Simplex

SMALL = os.environ.get("OPTKIT_NOTEBOOK_SMALL", "0") not in ("", "0")

# %% [markdown]
# ## 1. Three dimensions: watch the zig-zag
#
# $f(x) = \tfrac12\|x - p\|^2$ on the simplex $\Delta_3$, with $p$ outside it so that
# the solution lies on the edge between vertices 1 and 2.

# %%
p = np.array([0.7, 0.5, -0.1])


def fun_and_grad(x):
    r = x - p
    return 0.5 * float(r @ r), r


def bary(points):
    """Simplex points (k, 3) -> 2-D coordinates of an equilateral triangle."""
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    return np.asarray(points) @ corners


x0 = np.array([0.0, 0.0, 1.0])                 # start at the third vertex
paths, runs3 = {}, {}
for method in ["fw", "fw-away", "fw-pairwise"]:
    path = [x0]
    problem = LMOProblem(fun_and_grad=fun_and_grad, lmo=Simplex(1.0, 3))
    runs3[method] = optkit.minimize(problem, x0, method=method, tol=1e-300,
                                    options={"maxiter": 200, "step": "short", "L": 1.0},
                                    callback=lambda xk: path.append(np.array(xk, copy=True)))
    paths[method] = np.array(path)
    print(f"{method:12s} x = {np.round(runs3[method].x, 6)}  FW gap = {runs3[method].certificate:.1e}")

# %% [markdown]
# ## 2. Higher dimension: rates
#
# $f(x) = \tfrac12\|Ax - b\|^2$ on $\Delta_d$ with a sparse solution (a face of
# dimension about 10). We plot the FW gap against iterations.

# %%
d = 60 if SMALL else 200
rng = np.random.default_rng(0)
A = rng.standard_normal((2 * d, d)) / np.sqrt(2 * d)
x_true = np.zeros(d)
x_true[rng.choice(d, 10, replace=False)] = rng.dirichlet(np.ones(10))
b = A @ x_true + 0.05 * rng.standard_normal(2 * d)


def ls_fun_and_grad(x):
    r = A @ x - b
    return 0.5 * float(r @ r), A.T @ r


maxiter = 300 if SMALL else 2000
runs = {}
for method in ["fw", "fw-away", "fw-pairwise"]:
    problem = LMOProblem(fun_and_grad=ls_fun_and_grad, lmo=Simplex(1.0, d),
                         hessp=lambda x, v: A.T @ (A @ v))
    runs[method] = optkit.minimize(problem, method=method, tol=1e-10,
                                   options={"maxiter": maxiter, "step": "exact"})
    r = runs[method]
    print(f"{method:12s} nit={r.nit:5d} gap={r.certificate:.1e} "
          f"nonzeros={np.count_nonzero(r.x > 1e-12)}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
tri = bary(np.vstack([np.eye(3), [1.0, 0.0, 0.0]]))
ax1.plot(tri[:, 0], tri[:, 1], "k-", lw=1)
for method, style in zip(paths, ["o-", "s-", "^-"]):
    xy = bary(paths[method][:25])
    ax1.plot(xy[:, 0], xy[:, 1], style, ms=3, lw=0.8, label=method)
ax1.set_aspect("equal")
ax1.axis("off")
ax1.legend(loc="upper left", fontsize=8)
zoom = ax1.inset_axes([0.55, 0.45, 0.5, 0.5])   # near the solution, on the bottom edge
for method, style in zip(paths, ["o-", "s-", "^-"]):
    xy = bary(paths[method][:25])
    zoom.plot(xy[:, 0], xy[:, 1], style, ms=3, lw=0.8)
zoom.plot(tri[:, 0], tri[:, 1], "k-", lw=1)
zoom.set_xlim(0.36, 0.44)
zoom.set_ylim(-0.005, 0.045)
zoom.set_xticks([])
zoom.set_yticks([])
zoom.set_title("zoom: fw zig-zags", fontsize=8)
ax1.set_title("first 25 iterates on the simplex")
for method, r in runs.items():
    ax2.semilogy(r.trace["nit"], r.trace["certificate"], label=method)
ax2.set_xlabel("iteration")
ax2.set_ylabel("Frank-Wolfe gap")
ax2.set_title(f"least squares on the simplex, d = {d}")
ax2.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Vanilla FW keeps giving weight to the third vertex and taking it back; away and
# pairwise steps remove it in one *drop step* and then move along the edge.
#
# ## Exercises
#
# 1. Move $p$ so that the solution is inside the simplex (e.g. $p = (0.3, 0.3, 0.4)$).
#    Is vanilla FW still slow? Why does the zig-zag need the solution on the boundary?
# 2. Compare `step="agnostic"` ($\gamma_k = 2/(k+2)$), `"short"`, `"adaptive"` and
#    `"exact"` for `fw` on the least-squares problem. Which one matters most for
#    the rate, and what does `fw-lazy` save (count `r.trace` rows against LMO calls)?
