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
# # Coordinate descent: which coordinate next?
#
# Coordinate descent updates one coordinate (or block) $i_k$ per step,
# $x_{i} \leftarrow x_{i} - \tfrac{1}{L_i} \nabla_i f(x)$, with $L_i$ the Lipschitz
# constant of $\nabla_i f$ along coordinate $i$. The *rule* choosing $i_k$ matters
# (Nutini, Schmidt, Laradji, Friedlander & Koepke, 2015):
#
# * cyclic or random: cheap, rate governed by $\max_i L_i$ (or their average);
# * Gauss-Southwell (GS): $i_k = \arg\max_i |\nabla_i f(x)|$;
# * Gauss-Southwell-Lipschitz (GSL): $i_k = \arg\max_i |\nabla_i f(x)| / \sqrt{L_i}$,
#   the coordinate whose step decreases the upper model most.
#
# GSL is never slower than GS and is much faster when the $L_i$ differ a lot.
# Blocks add a third choice: the block update (here the GSQ rule with exact block
# minimization, Nutini, Laradji & Schmidt, 2022).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems import CompositeProblem, synthetic
from optkit.problems.glm import LeastSquares

SMALL = os.environ.get("OPTKIT_NOTEBOOK_SMALL", "0") not in ("", "0")
n, d = (300, 60) if SMALL else (1000, 200)
maxiter = 30 * d if SMALL else 60 * d        # coordinate updates

# %% [markdown]
# ## 1. Rules on least squares with very different column scales
#
# $f(x) = \frac{1}{2n}\|Ax - b\|^2$ with column $j$ of $A$ scaled by $10\,z_j$,
# $z_j \sim N(0, 1)$: the $L_i = \|A_{:,i}\|^2 / n$ span several orders of magnitude.

# %%
rng = np.random.default_rng(0)
A = (rng.standard_normal((n, d)) + 1.0) * (10.0 * rng.standard_normal(d))
b = A @ (rng.standard_normal(d) * (rng.random(d) < 0.1)) + rng.standard_normal(n)
problem = CompositeProblem(LeastSquares(A, b))
f_star = problem.fun(np.linalg.lstsq(A, b, rcond=None)[0])
L = (A**2).sum(axis=0) / n
print(f"L_i range: {L.min():.2g} .. {L.max():.2g}")


def run(**opts):
    return optkit.minimize(problem, np.zeros(d), method="bcd", tol=1e-300,
                           options={"maxiter": maxiter, "updates_per_step": d // 10,
                                    "seed": 0, **opts})


rules = {"cyclic": run(rule="cyclic"), "random": run(rule="random"),
         "lipschitz sampling": run(rule="lipschitz-sampling"),
         "GS": run(rule="gs"), "GSL": run(rule="gsl"),
         "GSQ, blocks of 5, exact": run(rule="gsq", blocks="variable", block_size=5,
                                        update="matrix", gram=True)}
for label, r in rules.items():
    print(f"{label:24s} f - f* = {r.fun - f_star:.2e} after {r.nit} updates")

# %% [markdown]
# ## 2. Message passing on a lattice
#
# Label propagation on an $m \times m$ lattice is a sparse quadratic whose
# dependency graph is the lattice. With `blocks="forest"` each step minimizes
# exactly over a whole spanning forest of the lattice (two forests cover every
# node), solved in linear time by message passing on the tree.

# %%
m = 20 if SMALL else 40
smooth, x_lp = synthetic.label_propagation(m, 0.1, seed=0)
lp = CompositeProblem(smooth)
f_lp = lp.fun(x_lp)
lattice = {}
for label, opts in {"cyclic coordinates": {"rule": "cyclic"},
                    "GSL coordinates": {"rule": "gsl"},
                    "forest blocks": {"blocks": "forest", "update": "matrix"}}.items():
    lattice[label] = optkit.minimize(lp, np.zeros(m * m), method="bcd", tol=1e-300,
                                     options={"maxiter": 40 * m * m, **opts})
    r = lattice[label]
    print(f"{label:20s} nit={r.nit:6d} f - f* = {r.fun - f_lp:.2e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for label, r in rules.items():
    gap = np.maximum(np.asarray(r.trace["fun"]) - f_star, 1e-16)
    ax1.semilogy(r.trace["nit"], gap, label=label)
ax1.set_xlabel("coordinate (block) updates")
ax1.set_ylabel("f - f*")
ax1.set_title("least squares, scaled columns")
ax1.set_ylim(1e-12, None)                 # below: rounding noise
ax1.legend(fontsize=8)
for label, r in lattice.items():
    gap = np.maximum(np.asarray(r.trace["fun"]) - f_lp, 1e-16)
    ax2.semilogy(r.trace["nit"], gap, label=label)
ax2.set_xlabel("block updates (forest) or coordinate updates")
ax2.set_title(f"label propagation, {m} x {m} lattice")
ax2.set_ylim(1e-12, None)
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Greedy rules pay for the choice (a full gradient, kept up to date in $O(d)$ per
# update with the Gram matrix) and win in updates; GSL beats GS because it accounts
# for the scales. On the lattice, one forest update moves half of all nodes at once
# and exactly, so a few of them do the work of many epochs of single coordinates.
#
# ## Exercises
#
# 1. Remove the column scaling (`A = rng.standard_normal((n, d)) + 1.0`). How far
#    apart are GS and GSL now? Relate this to the spread of the $L_i$.
# 2. Add an L1 penalty: `optkit.problems.Lasso(A, b, alpha)` with
#    `alpha = 0.05 * Lasso(A, b, 1.0).alpha_max()`, and compare `rule="gs"`,
#    `"gs-r"` and `"gsl"`. Which coordinates does each pick once the support is found?
