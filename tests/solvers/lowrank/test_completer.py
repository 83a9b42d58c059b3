"""MatrixCompleter: scikit-learn's estimator checks, completion of dense-NaN
and sparse inputs, fold-in of new rows, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import check_estimator

from optkit.lowrank import MatrixCompleter

#: checks that do not apply, with the reason
SKIPPED = {
    # needs SCIPY_ARRAY_API=1 and an array-API namespace; the model is NumPy/Numba only
    "check_array_api_input",
}


def test_sklearn_estimator_checks():
    # random (full-rank) check data: cap the iterations, the checks test the API
    results = check_estimator(MatrixCompleter(rank=2, max_iter=30), on_fail=None)
    names = {r["check_name"] for r in results}
    assert len(names) > 40                      # the whole transformer suite ran
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert not failed, failed
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= SKIPPED, skipped - SKIPPED


def _low_rank(n=60, d=40, k=3, frac=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, k)) @ rng.standard_normal((k, d))
    missing = rng.random(X.shape) < frac
    return X, np.where(missing, np.nan, X), missing


@pytest.mark.parametrize("method", ["altmin", "als", "soft-impute", "scaled-gd"])
def test_fit_transform_completes_a_low_rank_matrix(method):
    X, Xm, missing = _low_rank()
    options = {"lam_rel": 1e-10} if method == "soft-impute" else None
    out = MatrixCompleter(rank=3, method=method, tol=1e-12, max_iter=3000,
                          options=options).fit_transform(Xm)
    np.testing.assert_array_equal(out[~missing], X[~missing])       # observed kept
    assert np.linalg.norm(out - X) / np.linalg.norm(X) < 1e-7


def test_sparse_input_and_fold_in_of_new_rows():
    X, Xm, missing = _low_rank(n=80)
    train, test = slice(0, 60), slice(60, 80)
    S = sp.csr_matrix(np.nan_to_num(Xm[train], nan=0.0))
    S.eliminate_zeros()                          # stored entries = observed entries
    model = MatrixCompleter(rank=3, tol=1e-12).fit(S)
    assert model.components_.shape == (3, 40) and model.n_iter_ == model.result_.nit
    out = model.transform(Xm[test])                  # rows never seen in fit
    assert np.linalg.norm(out - X[test]) / np.linalg.norm(X[test]) < 1e-7
    # row-wise fold-in: the transform of a subset is the subset of the transform
    np.testing.assert_allclose(model.transform(Xm[test][:5]), out[:5], rtol=1e-12)


def test_bad_input():
    X, Xm, _ = _low_rank()
    with pytest.raises(ValueError, match="`rank` must be a positive integer"):
        MatrixCompleter(rank=0).fit(Xm)
    with pytest.raises(ValueError, match="`method` must be one of"):
        MatrixCompleter(method="svd").fit(Xm)
    with pytest.raises(ValueError, match="no observed entry"):
        MatrixCompleter().fit(np.full((4, 3), np.nan))
    with pytest.raises(ValueError, match="infinity|inf"):
        MatrixCompleter().fit(np.where(np.isnan(Xm), np.inf, Xm))
    model = MatrixCompleter(rank=2).fit(Xm)
    with pytest.raises(ValueError, match="features"):
        model.transform(Xm[:, :5])
