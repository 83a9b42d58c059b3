"""The main job on an embedded default: ``optkit demo``.

L2-regularized logistic regression on scikit-learn's bundled breast-cancer
data (standardized; no download), solved by every registered method that
accepts smooth problems and by scipy's L-BFGS-B as the peer. The method list
comes from the registry, so the demo grows as methods are added.
"""

from __future__ import annotations

import os

from .._core.registry import get_solver, methods
from .compare import best_fun, compare, plot
from .table import format_table

__all__ = ["demo_problem", "run_demo"]

PEERS = ("scipy:L-BFGS-B",)


def demo_problem(mu: float | None = None):
    """Logistic regression on standardized breast-cancer data, mu = 1/n by default."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from ..problems.glm import LogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    mu = 1.0 / X.shape[0] if mu is None else mu
    problem = LogisticRegression(X, y, mu=mu)
    problem.name = f"logistic regression, breast-cancer (n={X.shape[0]}, d={X.shape[1]}, mu={mu:.3g})"
    return problem


def demo_methods(problem) -> list[str]:
    """Registered smooth methods whose needs the problem meets, then the peers."""
    usable = [m for m in methods("smooth")
              if all(problem.provides(need) for need in get_solver(m).requires)]
    return usable + list(PEERS)


def run_demo(out_dir: str = ".", *, tol: float = 1e-8, maxtime: float = 20.0,
             plot_file: str = "convergence.png", verbose: bool = True):
    """Run the demo, print the table, write the convergence plot.

    Returns
    -------
    results : dict
        ``{method: OptimizeResult}``.
    path : str
        The PNG written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problem = demo_problem()
    results = compare(problem, demo_methods(problem), tol=tol, options={"maxtime": maxtime},
                      warmup=True)
    if verbose:
        print(problem.name)
        print(f"stopping: gradient norm <= {tol:g} (or {maxtime:g} s)\n")
        print(format_table(results))
    f_star = best_fun(results)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    plot(results, x="nit", y="fun_gap", f_star=f_star, ax=axes[0], title=problem.name)
    plot(results, x="time", y="certificate", ax=axes[1], title="gradient norm vs time")
    fig.tight_layout()
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, plot_file)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    if verbose:
        print(f"\nwrote {path}")
    return results, path
