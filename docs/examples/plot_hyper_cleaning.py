"""
Data hyper-cleaning with F2SA and AID-CG
========================================

A multinomial logistic classifier is trained on scikit-learn's digits with
30% of the training labels corrupted; each training example gets a weight
:math:`\\sigma(x_i)`, and the weights are chosen to minimize the loss on a
small clean validation set. This is a bilevel problem: the lower level fits
the classifier to the weighted training set, the upper level measures it on
the validation set.

The fully first-order F2SA (gradients only) and the implicit-differentiation
baseline AID-CG (Hessian-vector products and conjugate gradients) both learn
weights that flag the corrupted examples.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import optkit
from optkit.problems.bilevel_data import hyper_cleaning_digits

problem = hyper_cleaning_digits(0.3, n_train=200, n_val=100, seed=0)
x0 = np.zeros(problem.dim_x)
baseline = problem.upper(x0, problem.lower_solve(x0, polish=False))

options = {
    "f2sa": {"x_step": 30.0, "lam0": 10.0, "inner_steps": 10},
    "aid-cg": {"x_step": 30.0, "inner_steps": 10},
}
results = {m: optkit.minimize(problem, x0, method=m, tol=1e-300,
                              options={"maxiter": 40, **opts})
           for m, opts in options.items()}

# %%
# Validation loss of the current classifier against time, and the learned
# weights of the clean and the corrupted examples.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for method, res in results.items():
    precision, recall = problem.cleaning_scores(res.x)
    ax1.plot(res.trace["time"], res.trace["upper"],
             label=f"{method} (precision {precision:.2f}, recall {recall:.2f})")
ax1.axhline(baseline, color="gray", ls="--", label="uniform weights")
ax1.set_xlabel("time (s)")
ax1.set_ylabel("validation loss")
ax1.legend()
w = problem.weights(results["f2sa"].x)
ax2.hist([w[~problem.corrupted], w[problem.corrupted]], bins=20,
         label=["clean labels", "corrupted labels"])
ax2.set_xlabel("weight sigma(x_i) learned by F2SA")
ax2.legend()
fig.tight_layout()
plt.show()
