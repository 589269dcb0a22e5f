"""Export licensing: the optional review-queue fields (capacity, requests for information)."""

from __future__ import annotations

import pytest

from supplysim.errors import ScenarioError
from supplysim.scenario import Fixed, parse_scenario

BASE = """\
name: queue
horizon: {start: 2025-01, months: 12}
policies:
  - type: export_licensing
    name: lic
    exporter: China
    elements: [Dy]
    approval_prob: 0.6
    review_delay_days: 45
    start: 2025-02
"""


def _licence(vocab, extra: str = ""):
    (lic,) = parse_scenario(BASE + extra, vocab).policies
    return lic


def test_defaults_mean_no_queue_and_no_rfi(vocab):
    lic = _licence(vocab)
    assert lic.review_capacity_per_week is None
    assert lic.rfi_prob == Fixed(value=0.0)
    assert lic.rfi_delay_days == Fixed(value=30.0)


def test_fields_parse(vocab):
    text = "    review_capacity_per_week: 25\n    rfi_prob: {dist: uniform, low: 0.1, high: 0.3}\n"
    lic = _licence(vocab, text + "    rfi_delay_days: 21\n")
    assert lic.review_capacity_per_week == 25
    assert lic.rfi_prob.mean() == pytest.approx(0.2)
    assert lic.rfi_delay_days.mean() == 21


def test_round_trip_keeps_the_fields(vocab):
    import yaml

    s = parse_scenario(BASE + "    review_capacity_per_week: 3\n    rfi_prob: 0.2\n", vocab)
    again = parse_scenario(yaml.safe_dump(s.to_dict(), sort_keys=False), vocab)
    assert again == s and again.hash == s.hash


@pytest.mark.parametrize("extra, words", [
    ("    review_capacity_per_week: 0\n", "review_capacity_per_week"),
    ("    review_capacity_per_week: 2.5\n", "review_capacity_per_week"),
    ("    review_capacity_per_week: true\n", "review_capacity_per_week"),
    ("    rfi_prob: 1.5\n", "rfi_prob"),
    ("    rfi_delay_days: -3\n", "rfi_delay_days"),
    ("    rfi_delay: 3\n", "rfi_delay"),
])
def test_bad_values_are_refused(vocab, extra, words):
    with pytest.raises(ScenarioError, match=words):
        parse_scenario(BASE + extra, vocab)
