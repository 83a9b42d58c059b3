"""Options dataclasses: validation, unknown keys, documentation."""

from __future__ import annotations

import math
import warnings

import pytest
from scipy.optimize import OptimizeWarning

from optkit._core.options import DriverOptions, split_options
from optkit.solvers.first_order import FastGradientOptions, GradientMethodOptions


def test_defaults_and_conversion():
    o = GradientMethodOptions(L=3)            # int accepted, stored as float
    assert o.L == 3.0 and isinstance(o.L, float) and o.step == "adaptive"
    d = DriverOptions(maxiter=10.0)           # integral float accepted (1e4 style)
    assert d.maxiter == 10 and isinstance(d.maxiter, int)
    assert DriverOptions().maxtime == math.inf


@pytest.mark.parametrize("cls, kwargs, match", [
    (GradientMethodOptions, {"L": -1.0}, r"Option `L` must be a real number > 0"),
    (GradientMethodOptions, {"L": float("nan")}, r"Option `L`.*nan"),
    (GradientMethodOptions, {"step": "fixed"}, r"Option `step` must be one of 'adaptive', 'constant'"),
    (GradientMethodOptions, {"step": "constant"}, r"Option `L` is required when step='constant'"),
    (GradientMethodOptions, {"max_backtracks": 0}, r"Option `max_backtracks` must be an integer >= 1"),
    (FastGradientOptions, {"mu": -0.1}, r"Option `mu`"),
    (FastGradientOptions, {"L": 1.0, "mu": 2.0}, r"`mu` \(2.0\) must not exceed `L`"),
    (FastGradientOptions, {"restart": "always"}, r"Option `restart` must be one of"),
    (DriverOptions, {"maxiter": -1}, r"Option `maxiter` must be an integer >= 0"),
    (DriverOptions, {"maxtime": 0.0}, r"Option `maxtime` must be a real number > 0"),
    (DriverOptions, {"record_every": 0}, r"Option `record_every`"),
])
def test_out_of_range_values_raise_valueerror(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("cls, kwargs, match", [
    (GradientMethodOptions, {"L": "big"}, r"Option `L` must be a real number > 0.0 or None; got 'big'"),
    (DriverOptions, {"maxiter": 2.5}, r"Option `maxiter` must be an integer"),
    (DriverOptions, {"progress": "yes"}, r"Option `progress` must be True or False"),
    (DriverOptions, {"maxiter": True}, r"Option `maxiter`"),
])
def test_wrong_types_raise_typeerror(cls, kwargs, match):
    with pytest.raises(TypeError, match=match):
        cls(**kwargs)


def test_unknown_keys_warn_listing_valid_ones():
    with pytest.warns(OptimizeWarning, match=r"Unknown option\(s\) 'stepsize'.*Valid method "
                      r"options: L, max_backtracks, step.*maxiter"):
        driver, method = split_options({"stepsize": 1, "maxiter": 3}, GradientMethodOptions, "gm")
    assert driver.maxiter == 3 and method.step == "adaptive"


def test_known_keys_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split_options({"L": 2.0, "maxtime": 1.0}, GradientMethodOptions, "gm")


def test_options_must_be_a_dict():
    with pytest.raises(TypeError, match="`options` must be a dict"):
        split_options([("maxiter", 3)], GradientMethodOptions, "gm")


def test_options_are_frozen():
    o = GradientMethodOptions()
    with pytest.raises(Exception):
        o.L = 2.0
