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
# # Entropic optimal transport: from Sinkhorn to Sinkhorn-Newton-Sparse
#
# Entropic OT between histograms $a \in \Delta_n$ and $b \in \Delta_m$ with cost $M$:
#
# $$\min_{P \ge 0,\; P 1 = a,\; P^T 1 = b} \langle M, P\rangle - \varepsilon H(P).$$
#
# The optimal plan is $P_{ij} = e^{(f_i + g_j - M_{ij})/\varepsilon}$ for dual
# potentials $(f, g)$. Sinkhorn alternately fits $f$ to the row marginals and $g$ to
# the column marginals (exact block maximization of the concave dual); its linear
# rate degrades like $e^{-1/\varepsilon}$ as the regularization shrinks. The
# certificate is the marginal error $\|P1 - a\|_1 + \|P^T1 - b\|_1$.
# Sinkhorn-Newton-Sparse (Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil,
# Xiao & Ying, 2024) runs a few Sinkhorn sweeps, then Newton steps on the dual
# with a *sparsified* Hessian (the plan is nearly sparse when $\varepsilon$ is
# small) solved by conjugate gradients: super-linear convergence at little more
# than the cost of a Sinkhorn sweep per step.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems import OTProblem

SMALL = os.environ.get("OPTKIT_NOTEBOOK_SMALL", "0") not in ("", "0")
n = 120 if SMALL else 400
# single-threaded kernels: at these sizes threads cost more than they save
# (and a shared classroom machine is often oversubscribed)
KERNELS = {"parallel": False}

# %% [markdown]
# ## 1. Two 1-D mixtures, squared-distance cost

# %%
t = np.linspace(0.0, 1.0, n)


def mixture(centers, widths, weights):
    h = sum(w * np.exp(-0.5 * ((t - c) / s) ** 2) for c, s, w in zip(centers, widths, weights))
    return h / h.sum()


a = mixture([0.2, 0.6], [0.05, 0.1], [1.0, 0.6])
b = mixture([0.4, 0.85], [0.08, 0.04], [0.7, 1.0])
M = (t[:, None] - t[None, :]) ** 2

# %% [markdown]
# ## 2. Plans as images: the regularization blurs the plan

# %%
regs = [1e-1, 1e-2, 1e-3]
plans = {}
for reg in regs:
    r = optkit.minimize(OTProblem(a, b, M, reg), method="sinkhorn-log", tol=1e-8,
                        options={"maxiter": 50_000, **KERNELS})
    plans[reg] = r.plan
    print(f"reg={reg:g}: {r.nit} Sinkhorn iterations, marginal error {r.certificate:.1e}")

# %% [markdown]
# ## 3. Marginal error against iterations and time, at a small regularization

# %%
reg = 1e-3
problem = OTProblem(a, b, M, reg)
runs = {method: optkit.minimize(problem, method=method, tol=1e-10,
                                options={"maxiter": 20_000, "check_every": 5, **KERNELS})
        for method in ["sinkhorn-log", "sns"]}
for method, r in runs.items():
    print(f"{method:13s} nit={r.nit:6d} marginal error={r.certificate:.1e} status={r.status}")

fig = plt.figure(figsize=(12, 7))
grid = fig.add_gridspec(2, 6)
for k, reg_k in enumerate(regs):
    ax = fig.add_subplot(grid[0, 2 * k:2 * k + 2])
    ax.imshow(plans[reg_k], origin="lower", cmap="magma_r", extent=(0, 1, 0, 1))
    ax.set_title(f"plan, reg = {reg_k:g}")
    ax.set_xlabel("target position")
    ax.set_ylabel("source position")
ax_it = fig.add_subplot(grid[1, :3])
ax_t = fig.add_subplot(grid[1, 3:])
for method, r in runs.items():
    ax_it.semilogy(r.trace["nit"], r.trace["certificate"], label=method)
    ax_t.semilogy(r.trace["time"], r.trace["certificate"], label=method)
ax_it.set_xlabel("iterations (Sinkhorn sweeps or Newton steps)")
ax_t.set_xlabel("time (s)")
for ax in (ax_it, ax_t):
    ax.set_ylabel("marginal error")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Sinkhorn's error decreases linearly, slowly at this regularization; SNS follows it
# during the warm-up, then its Newton phase drops the error to the tolerance in a
# few steps.
#
# ## Exercises
#
# 1. Run plain `method="sinkhorn"` (scaling in the exponential domain) at
#    `reg=1e-3`, then `1e-4`. What status does it return at `1e-4`, and why does
#    the log domain (`sinkhorn-log`) not have that problem?
# 2. For `sns`, vary `options={"threshold": ...}` (the sparsification of the
#    Hessian) from `1e-2` to `1e-10`. How do the number of Newton steps (`r.nhev`)
#    and the run time change? Try also `sinkhorn-eps-scaling`.
