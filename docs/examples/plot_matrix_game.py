"""
Mirror descent and mirror prox on a matrix game
===============================================

The zero-sum game :math:`\\min_{x \\in \\Delta_n} \\max_{y \\in \\Delta_m} x^T A y`
with the entropy mirror map on both simplices: mirror descent (simultaneous
multiplicative weights) and mirror prox (its extragradient version, two
operator evaluations per iteration). The duality gap of the ergodic average
decays as :math:`O(1/\\sqrt T)` for mirror descent (tuned for each horizon T)
and :math:`O(1/T)` for mirror prox; the dotted lines are the theorems' bounds
:math:`G\\sqrt{2\\Theta/T}` and :math:`L\\Theta/T` (:math:`\\Theta = 2`).
"""

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems.saddle import SaddleProblem

A = np.array([[3.0, -1.0, 0.5], [-2.0, 1.0, 0.0], [0.5, -0.5, -1.0]])
problem = SaddleProblem.matrix_game(A)
T_max = 3000

mp = optkit.minimize(problem, method="mirror-prox", tol=1e-300,
                     options={"maxiter": T_max, "step": "constant", "output": "average"})
horizons = np.unique(np.logspace(1, math.log10(T_max), 8).astype(int))
md = [optkit.minimize(problem, method="mirror-descent", tol=1e-300,
                      options={"maxiter": int(T), "horizon": int(T), "output": "average"})
      for T in horizons]

# %%
# The gap of the averages against the iterations, in log-log axes.
L = np.abs(A - A.mean()).max() * math.log(3)          # ||A - mean||_max sqrt(log n log m)
nit = np.asarray(mp.trace["nit"])[1:]
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(nit, np.asarray(mp.trace["cert_avg"])[1:], label="mirror prox (eta = 1/L)")
ax.loglog(nit, L * 2.0 / nit, "C0:", label="L Theta / T")
ax.loglog(horizons, [r.cert_avg for r in md], "C1o-", label="mirror descent (horizon T)")
ax.loglog(horizons, [r.G * math.sqrt(4.0 / r.nit) for r in md], "C1:",
          label="G sqrt(2 Theta / T)")
ax.set_xlabel("iterations T")
ax.set_ylabel("duality gap of the average")
ax.legend()
fig.tight_layout()
plt.show()

late = nit >= 100
gap_mp = np.asarray(mp.trace["cert_avg"])[1:]
slope_mp = np.polyfit(np.log(nit[late]), np.log(gap_mp[late]), 1)[0]
slope_md = np.polyfit(np.log(horizons), np.log([r.cert_avg for r in md]), 1)[0]
print(f"log-log slopes: mirror prox {slope_mp:.2f}, mirror descent {slope_md:.2f}")
