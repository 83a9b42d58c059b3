"""Problems of optkit.problems.dc: the mutual-information feature-selection DS
instance against scikit-learn's mutual_info_score, submodularity of its parts,
the ready-made DC penalties against their closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from optkit.problems.dc import (CappedL1Excess, EmpiricalEntropy, L2Norm, feature_selection,
                                sparse_regression)


def _binary_data(m=200, n=8, seed=0):
    rng = np.random.default_rng(seed)
    Z = (rng.random((m, n)) < rng.uniform(0.2, 0.8, n)).astype(float)
    y = ((Z[:, 0] + Z[:, 1] + (rng.random(m) < 0.2)) % 2).astype(int)
    return Z, y


def _joint_label(Z, S):
    return np.unique(Z[:, S], axis=0, return_inverse=True)[1].ravel() if len(S) else \
        np.zeros(Z.shape[0], dtype=int)


def test_mutual_information_equals_sklearn():
    from sklearn.metrics import mutual_info_score
    Z, y = _binary_data()
    prob = feature_selection(Z, y, alpha=0.01)
    rng = np.random.default_rng(1)
    for _ in range(10):
        S = np.flatnonzero(rng.random(prob.n) < 0.4)
        ref = mutual_info_score(y, _joint_label(Z[:, prob.columns], S))
        assert abs(prob.mutual_information(S) - ref) <= 1e-12
        # phi = cost - MI
        assert abs(prob.value(np.isin(np.arange(prob.n), S)) - (0.01 * len(S) - ref)) <= 1e-12


def test_entropy_chain_equals_separate_values_and_parts_are_submodular():
    Z, y = _binary_data(seed=2)
    H = EmpiricalEntropy(Z, extra=y)
    order = np.random.default_rng(0).permutation(Z.shape[1])
    chain = H.chain(order)
    for i in range(len(order) + 1):
        assert abs(chain[i] - H(np.sort(order[:i]))) <= 1e-12
    for cost in ("modular", "sqrt"):
        prob = feature_selection(Z, y, cost=cost, alpha=0.02)
        assert prob.check_submodular(trials=100) == []


def test_feature_selection_on_libsvm(data_dir):
    import optkit
    from optkit.problems import libsvm
    X, y = libsvm.load("mushrooms", data_dir=data_dir, download=False)
    prob = feature_selection(X[:1000], y[:1000], n_features=14, alpha=0.005)
    assert prob.n == 14
    res = optkit.minimize(prob, method="ds-cdca", options={"sfm": "min-norm"})
    assert res.success and res.best_move <= 1e-12
    assert res.fun < 0            # some features carry information worth their cost


def test_penalties_closed_forms():
    x = np.array([0.5, -2.0, 0.0, 1.0])
    h = L2Norm(0.3)
    assert abs(h.fun(x) - 0.3 * np.linalg.norm(x)) <= 1e-15
    np.testing.assert_allclose(h.subgradient(x), 0.3 * x / np.linalg.norm(x))
    np.testing.assert_array_equal(h.subgradient(np.zeros(3)), np.zeros(3))
    c = CappedL1Excess(0.5, 0.8)
    assert abs(0.5 * np.abs(x).sum() - c.fun(x) - 0.5 * np.minimum(np.abs(x), 0.8).sum()) <= 1e-15
    np.testing.assert_array_equal(c.subgradient(x), 0.5 * np.array([0, -1, 0, 1]))


def test_feature_selection_bad_input():
    Z, y = _binary_data()
    with pytest.raises(ValueError, match="`cost`"):
        feature_selection(Z, y, cost="cubic")
    with pytest.raises(ValueError, match="`n_features`"):
        feature_selection(Z, y, n_features=100)
    with pytest.raises(ValueError, match="`alpha`"):
        feature_selection(Z, y, alpha=-1.0)


def test_sparse_regression_objective():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((10, 4)), rng.standard_normal(10)
    prob = sparse_regression(A, b, 0.2)
    x = rng.standard_normal(4)
    ref = 0.5 * np.sum((A @ x - b) ** 2) / 10 + 0.2 * (np.abs(x).sum() - np.linalg.norm(x))
    assert abs(prob.fun(x) - ref) <= 1e-12
