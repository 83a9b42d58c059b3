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
# # Polynomial preconditioning and spectra
#
# The gradient method on $f(x) = \tfrac12 x^T B x - b^T x$ needs about
# $\kappa = \lambda_1 / \lambda_d$ iterations per digit. When a few eigenvalues of
# $B$ are outliers (a handful of strong directions in the data) that number is
# dominated by them. Doikov & Rodomanov (2023) precondition the gradient with a
# polynomial in $B$,
#
# $$x_{k+1} = x_k - \tfrac1L P_\tau(B) \nabla f(x_k),$$
#
# built from the power traces $\mathrm{tr}(B^j)$, $j \le \tau$; it costs $\tau - 1$
# extra products with $B$ per step and replaces $\kappa$ by
# $\kappa_\tau = \lambda_\tau / \lambda_d$ (roughly): the top $\tau - 1$ outliers no
# longer count. `krylov-gm` goes one step further and takes the best polynomial of
# degree $< \tau$ in the Krylov space of the gradient.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems.glm import LeastSquares
from optkit.problems.synthetic import least_squares_spectrum

SMALL = os.environ.get("OPTKIT_NOTEBOOK_SMALL", "0") not in ("", "0")
n, d = (300, 120) if SMALL else (1000, 400)

# %% [markdown]
# ## 1. A spectrum with outliers
#
# Least squares whose Gram matrix $A^T A / n$ has a flat bulk in $[1, 2]$ and
# four outliers $10^3$ to $10^4$ times larger, so $\kappa \approx 10^4$ while
# $\lambda_5 / \lambda_d \approx 2$.

# %%
eig = np.concatenate([np.linspace(1.0, 2.0, d - 4), np.geomspace(1e3, 1e4, 4)])
A, b = least_squares_spectrum(n, d, np.sqrt(eig * n), seed=0)
mu = 1e-3
problem = LeastSquares(A, b, mu)
B = A.T @ A / n + mu * np.eye(d)
x_star = np.linalg.solve(B, A.T @ b / n)
f_star = problem.fun(x_star)
lam = np.sort(np.linalg.eigvalsh(B))[::-1]
print(f"kappa = {lam[0] / lam[-1]:.3g};  lambda_tau / lambda_d for tau = 2..6:",
      ", ".join(f"{v:.3g}" for v in lam[1:6] / lam[-1]))

# %% [markdown]
# ## 2. Gradient method, polynomial preconditioners, Krylov
#
# Every run stops at $f - f^* \le 10^{-10}$. We count the *products with $A$ or
# $A^T$*: one per function value and per gradient, two per product with $B$.

# %%
def products(r):
    t = r.trace
    nmat = np.asarray(t["nmatvec"]) if "nmatvec" in t.columns else 0
    return (np.asarray(t["nfev"]) + np.asarray(t["njev"]) + 2 * nmat).astype(int)


def stop_at(target):
    def cb(intermediate_result):
        if intermediate_result.fun - f_star <= target:
            raise StopIteration          # the driver stops with status 4
    return cb


runs = {"gm": ("gm", {}), "fgm": ("fgm", {})}
for tau in (2, 3, 5):
    runs[f"pgm tau={tau}"] = ("pgm", {"tau": tau})
runs["krylov-gm tau=5"] = ("krylov-gm", {"tau": 5})
maxiter = 2000 if SMALL else 5000
results = {}
for label, (method, opts) in runs.items():
    r = optkit.minimize(problem, np.zeros(d), method=method, tol=1e-300,
                        options={"maxiter": maxiter, **opts}, callback=stop_at(1e-10))
    results[label] = r
    print(f"{label:16s} nit={r.nit:6d} products={products(r)[-1]:7d} "
          f"f - f* = {r.fun - f_star:.1e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.semilogy(np.arange(1, d + 1), lam, ".", ms=3)
ax1.set_xlabel("index i")
ax1.set_ylabel(r"eigenvalue $\lambda_i$ of $B$")
ax1.set_title("four outliers, a flat bulk")
for label, r in results.items():
    gap = np.maximum(np.asarray(r.trace["fun"]) - f_star, 1e-16)
    ax2.loglog(np.maximum(products(r), 1), gap, label=label)
ax2.set_xlabel("products with A or A^T")
ax2.set_ylabel("f - f*")
ax2.set_ylim(1e-11, None)
ax2.legend(fontsize=8)
ax2.set_title("tau = 5 removes the outliers")
fig.tight_layout()
plt.show()

# %% [markdown]
# `gm` crawls at the rate set by $\kappa$. Each extra degree of the polynomial
# removes one more outlier from the picture, so `pgm` improves with $\tau$ although
# every step costs $\tau - 1$ more products; with $\tau = 5$ only the flat bulk is
# left. `krylov-gm` picks the best polynomial for the current gradient: as $B$ has
# only five clusters of eigenvalues, a handful of steps suffice.
#
# ## Exercises
#
# 1. Use 8 outliers instead of 4. Which $\tau$ is now needed, and how do `pgm` and
#    `krylov-gm` compare? Try `options={"preconditioner": "chebyshev", "tau": 5}`.
# 2. Replace the outliers by a smooth spectrum `np.geomspace(1, 1e4, d)` (no gap).
#    Does polynomial preconditioning still pay off in products? Explain with
#    $\lambda_\tau / \lambda_d$.
