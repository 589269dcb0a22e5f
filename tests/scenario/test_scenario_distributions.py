"""Distribution specs: ppf, mean, Fixed, and the bounds of number fields."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from supplysim.scenario.distributions import (
    Beta,
    Fixed,
    LogNormal,
    NonNegative,
    Normal,
    Number,
    Positive,
    Probability,
    Triangular,
    Uniform,
)

U = np.array([0.0, 0.1, 0.5, 0.9, 1.0])

CASES = [
    ({"dist": "beta", "a": 6, "b": 4}, Beta, stats.beta(6, 4), 0.6),
    ({"dist": "uniform", "low": 2, "high": 6}, Uniform, stats.uniform(2, 4), 4.0),
    ({"dist": "triangular", "low": 0, "mode": 1, "high": 4}, Triangular,
     stats.triang(0.25, 0, 4), 5 / 3),
    ({"dist": "lognormal", "median": 30, "sigma": 0.3}, LogNormal,
     stats.lognorm(0.3, scale=30), 30 * math.exp(0.045)),
    ({"dist": "normal", "mean": 1.5, "sd": 2}, Normal, stats.norm(1.5, 2), 1.5),
]  # fmt: skip


@pytest.mark.parametrize(("data", "cls", "ref", "mean"), CASES, ids=[c[0]["dist"] for c in CASES])
def test_ppf_and_mean(data, cls, ref, mean):
    dist = TypeAdapter(Number).validate_python(data)
    assert isinstance(dist, cls)
    np.testing.assert_allclose(dist.ppf(U), ref.ppf(U))
    assert dist.ppf(U).shape == U.shape
    assert dist.ppf(np.full((3, 4), 0.5)).shape == (3, 4)
    assert dist.mean() == pytest.approx(mean)
    assert isinstance(dist.mean(), float)
    assert dist.frozen().mean() == pytest.approx(mean)
    assert TypeAdapter(Number).validate_python(dist.to_data()) == dist


def test_fixed():
    dist = TypeAdapter(Number).validate_python(0.7)
    assert dist == Fixed(value=0.7) and dist.to_data() == 0.7
    np.testing.assert_array_equal(dist.ppf(U), np.full(5, 0.7))
    assert dist.ppf(np.zeros((2, 3))).shape == (2, 3)
    assert dist.mean() == 0.7 and dist.support() == (0.7, 0.7)
    assert dist.frozen().mean() == pytest.approx(0.7)
    assert TypeAdapter(Number).validate_python({"dist": "fixed", "value": 3}) == Fixed(value=3.0)
    assert TypeAdapter(Number).validate_python(5) == Fixed(value=5.0)


@pytest.mark.parametrize(
    "data",
    [
        {"dist": "beta", "a": 0, "b": 1},
        {"dist": "beta", "a": 1},
        {"dist": "uniform", "low": 2, "high": 2},
        {"dist": "triangular", "low": 0, "mode": 5, "high": 4},
        {"dist": "triangular", "low": 1, "mode": 1, "high": 1},
        {"dist": "lognormal", "median": 0, "sigma": 1},
        {"dist": "lognormal", "median": 1, "sigma": -1},
        {"dist": "normal", "mean": 0, "sd": 0},
        {"dist": "normal", "mean": "0", "sd": 1},
        {"dist": "normal", "mean": True, "sd": 1},
        {"dist": "uniform", "low": 0, "high": 1, "extra": 2},
        {"dist": "fixed", "value": float("nan")},
        {"dist": "pareto", "a": 1},
        {"low": 0, "high": 1},
        "0.5",
        True,
        None,
        [0.5],
    ],
)
def test_invalid_specs(data):
    with pytest.raises(ValidationError):
        TypeAdapter(Number).validate_python(data)


@pytest.mark.parametrize(
    ("field", "data", "ok"),
    [
        (Probability, 0.0, True),
        (Probability, 1.0, True),
        (Probability, 1.5, False),
        (Probability, -0.1, False),
        (Probability, {"dist": "beta", "a": 2, "b": 3}, True),
        (Probability, {"dist": "uniform", "low": 0.2, "high": 1.3}, False),
        (Probability, {"dist": "triangular", "low": 0, "mode": 0.5, "high": 1}, True),
        (Probability, {"dist": "normal", "mean": 0.5, "sd": 0.01}, False),
        (Probability, {"dist": "lognormal", "median": 0.5, "sigma": 0.1}, False),
        (NonNegative, 0, True),
        (NonNegative, -1, False),
        (NonNegative, {"dist": "normal", "mean": 10, "sd": 1}, False),
        (NonNegative, {"dist": "uniform", "low": -1, "high": 1}, False),
        (NonNegative, {"dist": "triangular", "low": -1, "mode": 0, "high": 1}, False),
        (NonNegative, {"dist": "lognormal", "median": 3, "sigma": 1}, True),
        (Positive, 0, False),
        (Positive, 0.001, True),
        (Positive, {"dist": "fixed", "value": 0}, False),
        (Positive, {"dist": "uniform", "low": 6, "high": 24}, True),
        (Positive, {"dist": "normal", "mean": 30, "sd": 1}, False),
        (Number, {"dist": "normal", "mean": -3, "sd": 1}, True),
    ],
)
def test_field_bounds_apply_to_the_support(field, data, ok):
    adapter = TypeAdapter(field)
    if ok:
        adapter.validate_python(data)
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(data)
