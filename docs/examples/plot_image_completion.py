r"""
Completing a photograph from 30% of its pixels
==============================================

A grayscale photograph is close to a low-rank matrix: its singular values
decay fast. We hide 70% of the pixels of scikit-learn's bundled
``china.jpg`` (downscaled to 143 x 214, no download) and fill them in with
three low-rank completion methods of optkit's ``lowrank`` family, through
the scikit-learn style :class:`optkit.lowrank.MatrixCompleter`:

* ``altmin``: robust alternating minimization (Gu, Song, Yin, Zhang, ICLR
  2024) from a spectral start, stopped after a few iterations;
* ``als``: alternating least squares with a ridge :math:`\lambda(\|U\|^2 +
  \|V\|^2)`;
* ``soft-impute``: the nuclear-norm penalized fit (Mazumder, Hastie,
  Tibshirani, JMLR 2010).

The yardstick is the best rank-5 approximation of the *full* image (the
truncated SVD, which sees every pixel): no rank-5 completion can be closer.
"""

# %%
# The image and the observed pixels
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

from optkit.lowrank import MatrixCompleter

image = load_sample_image("china.jpg").mean(axis=2)[::3, ::3] / 255.0
rng = np.random.default_rng(0)
observed = rng.random(image.shape) < 0.3
X_missing = np.where(observed, image, np.nan)


def rel_error(Z):
    return float(np.linalg.norm(Z - image) / np.linalg.norm(image))


U, s, Vt = np.linalg.svd(image, full_matrices=False)
best5 = (U[:, :5] * s[:5]) @ Vt[:5]
mean_fill = np.where(observed, image, np.nanmean(X_missing))
print(f"image {image.shape}, {observed.mean():.0%} observed")
print(f"relative error: mean fill {rel_error(mean_fill):.3f}, "
      f"best rank 5 (all pixels) {rel_error(best5):.3f}")

# %%
# Three completions
# -----------------
# The image is only *approximately* low rank, so an unregularized fit
# overfits the observed pixels when iterated to convergence: AltMin's error
# is lowest after a few iterations (its analysis is for exactly low-rank
# matrices), while the ridge of ALS and the nuclear norm of Soft-Impute
# regularize.
completers = {
    "altmin (rank 5, 5 iterations)": MatrixCompleter(rank=5, method="altmin", max_iter=5),
    "als (rank 5, ridge 1)": MatrixCompleter(rank=5, method="als", tol=1e-4,
                                            options={"reg": 1.0}),
    "soft-impute (rank <= 10)": MatrixCompleter(rank=10, method="soft-impute", tol=1e-4,
                                                options={"lam_rel": 0.01}),
}
filled = {}
for label, model in completers.items():
    filled[label] = model.fit_transform(X_missing)
    print(f"{label:32s} relative error {rel_error(filled[label]):.3f} "
          f"({model.n_iter_} iterations)")

errors = {label: rel_error(Z) for label, Z in filled.items()}
assert all(e < 0.6 * rel_error(mean_fill) for e in errors.values()), errors
assert errors["als (rank 5, ridge 1)"] < 1.1 * rel_error(best5), errors

# %%
# The figure
# ----------
panels = [("original", image), ("observed (30%)", np.where(observed, image, 1.0)),
          ("best rank 5 (all pixels)", best5)] + list(filled.items())
fig, axes = plt.subplots(2, 3, figsize=(11, 5.2))
for ax, (title, Z) in zip(axes.ravel(), panels):
    ax.imshow(np.clip(Z, 0, 1), cmap="gray", vmin=0, vmax=1)
    err = "" if title == "original" else f"\nrel. error {rel_error(Z):.3f}"
    ax.set_title(title + err, fontsize=9)
    ax.axis("off")
fig.tight_layout()
plt.show()
