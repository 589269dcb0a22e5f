"""Price rule, floors, cuts and demand response: hand-checked numbers, scalars and arrays."""

from __future__ import annotations

import numpy as np

import supplysim
from supplysim.network.market import element_content, own_content
from supplysim.rules.demand import price_response, substitution_step
from supplysim.rules.prices import (cover_gap, cut_factor, floor_payment_usd, next_log_price,
                                    saturated, smooth)


def test_cover_gap_is_clipped_and_zero_without_target():
    got = cover_gap(np.array([[0.0, 75.0], [250.0, 1.0]]), np.array([[100.0, 100.0], [100.0, 0.0]]))
    np.testing.assert_allclose(got, [[1.0, 0.25], [-1.0, 0.0]])
    assert np.isclose(cover_gap(80.0, 100.0), 0.2)


def test_log_price_step_by_hand():
    # shortage term 0.3 / (0.3 + 0.1) = 0.75
    # (1 - 0.1) * 0.5 + 0.2 * 0.5 + 1.0 * 0.75 = 0.45 + 0.1 + 0.75 = 1.3
    assert np.isclose(next_log_price(0.5, 0.5, 0.3, 0.2, 1.0, 0.1, 0.1, 50.0), 1.3)
    # bounded at ln(max_ratio) both ways
    got = next_log_price(np.array([3.5, -3.5]), np.array([1.0, -1.0]), np.array([1.0, 0.0]),
                         1.0, 1.0, 0.1, 0.0, 20.0)
    np.testing.assert_allclose(got, [np.log(20.0), -np.log(20.0)])


def test_a_lasting_shortage_gives_a_finite_multiple():
    # x* = (unmet_gain * 1 / (1 + 0.1) + cover_gain * 1) / reversion, whatever the depth
    x = 0.0
    for _ in range(400):
        x = next_log_price(x, 1.0, 1.0, 0.05, 0.5, 0.1, 0.25, 1e6)
    assert np.isclose(x, (0.5 / 1.1 + 0.05) / 0.25)
    np.testing.assert_allclose(saturated(np.array([0.0, 0.1, 0.9]), 0.1), [0.0, 0.5, 0.9])


def test_smoothing_moves_a_third_of_the_way_in_three_months():
    np.testing.assert_allclose(smooth(np.array([1.0, 2.0]), np.array([4.0, 2.0]), 3.0), [2.0, 2.0])


def test_floor_pays_the_gap_on_covered_tonnes():
    # (110 - 56) USD/kg x 150 t x 1000 kg/t = 8.1 M USD; nothing above the floor
    got = floor_payment_usd(np.array([[110.0], [110.0]]), np.array([[56.0], [120.0]]), 150.0)
    np.testing.assert_allclose(got, [[8.1e6], [0.0]])


def test_cuts_multiply_while_active():
    shares = np.array([[0.2, 0.1], [0.5, 0.5]])  # (cuts, paths)
    np.testing.assert_allclose(cut_factor(shares, np.array([[True], [True]])), [0.4, 0.45])
    np.testing.assert_allclose(cut_factor(shares, np.array([[False], [False]])), [1.0, 1.0])
    assert float(cut_factor(np.zeros(0), np.zeros(0, bool))) == 1.0


def test_price_response_and_substitution():
    np.testing.assert_allclose(price_response(np.array([1.0, 4.0]), -0.5), [1.0, 0.5])
    share = np.zeros(3)
    for _ in range(12):  # 12 months above the threshold with a 24-month lag: half of max
        share = substitution_step(share, np.array([3.0, 1.9, 3.0]), 2.0, np.array([0.3, 0.3, 0.0]), 24.0)
    np.testing.assert_allclose(share, [0.15, 0.0, 0.0])


def test_element_content_follows_the_recipes():
    c = element_content(supplysim.load_world(), ["NdPr", "Dy", "Tb"])
    assert c.loc["oxide_Dy", "Dy"] == 1.0 and c.loc["oxide_Dy", "NdPr"] == 0.0
    assert c.loc["ore_NdPr"].sum() == 0.0
    assert np.isclose(c.loc["magnet_hre", "NdPr"], 0.29 * 1.2283)
    assert np.isclose(c.loc["magnet_hre", "Dy"], 0.02 * 1.2085)


def test_the_index_looks_at_the_element_s_own_products_only():
    world = supplysim.load_world()
    own = own_content(world, element_content(world, ["NdPr", "Dy", "Tb"]))
    assert own.loc["oxide_Dy", "Dy"] == 1.0 and own.loc["metal_NdPr", "NdPr"] > 1.0
    assert own.loc["metal_Dy", "NdPr"] == 0.0
    assert own.loc[["magnet_hre", "magnet_std"]].to_numpy().sum() == 0.0
