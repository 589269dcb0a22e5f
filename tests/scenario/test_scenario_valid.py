"""Valid scenario files parse into the expected objects."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml

from supplysim.scenario import (
    CapacityProject,
    ExportBan,
    ExportLicensing,
    ExportQuota,
    Fixed,
    Scenario,
    StockpilePolicy,
    load_scenario,
    parse_scenario,
)
from supplysim.scenario.distributions import Beta, LogNormal, Triangular, Uniform


def test_full_scenario_parses(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    assert isinstance(s, Scenario)
    assert s.name == "china_licensing_2025"
    assert s.file == "<string>" and s.lineage == ("<string>",)
    assert s.horizon.start == date(2025, 1, 1) and s.horizon.months == 36
    assert s.outages is True
    kinds = [type(p) for p in s.policies]
    assert kinds == [ExportLicensing, ExportBan, ExportQuota, CapacityProject, StockpilePolicy]


def test_numbers_become_distributions(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    lic, ban, quota, project, stock = s.policies
    assert s.demand_growth["wind"] == Fixed(value=0.05)
    assert isinstance(s.demand_growth["ev_motors"], Uniform)
    assert isinstance(lic.approval_prob, Beta) and lic.approval_prob.mean() == pytest.approx(0.6)
    assert lic.review_delay_days == Fixed(value=63.0)
    assert isinstance(quota.quota_t_per_month, Triangular)
    assert isinstance(project.construction_months, LogNormal)
    assert project.capacity_t_per_yr.mean() == 1500.0


def test_defaults(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    lic, ban, quota, project, stock = s.policies
    assert lic.destinations == "all" and ban.destinations == ("United States",)
    assert set(quota.stages) == set(vocab.stages)
    assert quota.destinations == "all" and lic.applications_per_month == 4
    assert stock.target_t == stock.initial_t
    assert stock.start == s.horizon.start and stock.end is None
    assert project.start == date(2025, 1, 1) and project.end is None
    assert lic.start == date(2025, 4, 4) and quota.end == date(2026, 6, 1)


def test_minimal_scenario(vocab):
    s = parse_scenario("name: base\nhorizon: {start: 2024-01, months: 12}\n", vocab)
    assert s.policies == () and s.demand_growth == {} and s.description == ""
    assert s.outages is True


def test_horizon_start_as_date(vocab):
    s = parse_scenario("name: a\nhorizon: {start: 2025-03-01, months: 2}\n", vocab)
    assert s.horizon.start == date(2025, 3, 1)
    assert s.months == [date(2025, 3, 1), date(2025, 4, 1)]


def test_months_and_month_index(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    assert len(s.months) == 36
    assert s.months[0] == date(2025, 1, 1) and s.months[-1] == date(2027, 12, 1)
    assert s.month_index(date(2025, 4, 4)) == pytest.approx(3.1)
    assert s.month_index(date(2025, 1, 1)) == 0.0
    assert s.month_index(date(2024, 12, 1)) == -1.0
    assert s.horizon.end == date(2028, 1, 1)


def test_mine_with_ore_type(vocab):
    text = """\
name: mines
horizon: {start: 2025-01, months: 12}
policies:
  - type: capacity_project
    name: mine_a
    country: Australia
    kind: mine
    ore_type: monazite_mt_weld
    capacity_t_per_yr: 2000
    fid_prob: {dist: beta, a: 2, b: 2}
    announced: 2024-06
    construction_months: 24
    ramp_months: 0
"""
    (project,) = parse_scenario(text, vocab).policies
    assert project.ore_type == "monazite_mt_weld"


def test_policy_end_may_pass_the_horizon(vocab):
    text = """\
name: long_ban
horizon: {start: 2025-01, months: 12}
policies:
  - {type: export_ban, name: ban, exporter: China, elements: [Dy], start: 2025-02, end: 2030-01}
"""
    (ban,) = parse_scenario(text, vocab).policies
    assert ban.end == date(2030, 1, 1)


def test_to_dict_round_trips_through_yaml(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    data = s.to_dict()
    json.dumps(data)  # plain data
    again = parse_scenario(yaml.safe_dump(data, sort_keys=False), vocab)
    assert again.to_dict() == data
    assert again == s
    assert again.hash == s.hash


def test_hash(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    assert len(s.hash) == 16 and int(s.hash, 16) >= 0
    other = parse_scenario(valid_text.replace("wind: 0.05", "wind: 0.06"), vocab)
    assert other.hash != s.hash
    same = parse_scenario("# another comment\n" + valid_text, vocab)
    assert same.hash == s.hash


def test_scenario_is_frozen(vocab, valid_text):
    s = parse_scenario(valid_text, vocab)
    with pytest.raises(Exception):
        s.name = "other"  # type: ignore[misc]


def test_load_by_path_and_name(vocab, valid_text, write, tmp_path):
    path = write("china_licensing_2025.yaml", valid_text)
    by_path = load_scenario(path, vocab, [])
    by_name = load_scenario("china_licensing_2025", vocab, [tmp_path])
    assert by_path.file == str(path) and by_path.lineage == (str(path),)
    assert by_name.to_dict() == by_path.to_dict()
    assert load_scenario(str(path), vocab, []).hash == by_path.hash
