"""The origin rules with hand-checked numbers, and their bounds."""

from __future__ import annotations

import numpy as np

from supplysim.rules.origin import line_share, mix, needs_licence, technology_availability


def test_mix_by_mass():
    # 30 t all Chinese + 10 t with 0.2 Chinese: (30 + 2) / 40 = 0.8
    assert mix(30.0, 1.0, 10.0, 2.0) == 0.8
    # 5 t at 0.4 + 15 t at 0.0: 2 / 20 = 0.1
    assert np.isclose(mix(5.0, 0.4, 15.0, 0.0), 0.1)


def test_mix_keeps_the_share_when_nothing_is_held_or_added():
    out = mix(np.array([0.0, 10.0, -1e-12]), np.array([0.3, 0.6, 0.9]),
              np.array([0.0, 0.0, 0.0]), np.array([0.0, 0.0, 0.0]))
    assert out.tolist() == [0.3, 0.6, 0.9]
    # an empty stock takes the share of what arrives
    assert mix(0.0, 0.9, 4.0, 1.0) == 0.25


def test_mix_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    held, added = rng.uniform(-1e-9, 100, 1000), rng.uniform(0, 100, 1000)
    share, part = rng.uniform(0, 1, 1000), rng.uniform(0, 1.2, 1000)
    out = mix(held, share, added, part * added)
    assert np.all((out >= 0.0) & (out <= 1.0))


def test_line_share_china_and_mass_weighted():
    # Japan: 3 t NdPr metal at 0.5 and 1 t Dy metal at 1.0 -> (1.5 + 1) / 4 = 0.625
    assert line_share(4.0, 2.5, False) == 0.625
    assert line_share(4.0, 0.0, True) == 1.0      # made in China
    assert line_share(0.0, 0.0, False) == 0.0     # a mine outside China


def test_threshold_and_technology_cut():
    assert needs_licence(0.0011, 0.001) and not needs_licence(0.001, 0.001)
    # 40 % of capacity depends on China, half of it lost: 80 % left
    assert np.isclose(technology_availability(0.4, 0.5, True), 0.8)
    assert technology_availability(0.4, 0.5, False) == 1.0
