"""``extends``: merging, replacing and removing policies, lineage and its errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from supplysim.errors import ScenarioError
from supplysim.scenario import Fixed, load_scenario, parse_scenario

BASE = """\
name: baseline_2024
description: the base
horizon:
  start: 2024-01
  months: 24
demand_growth:
  ev_motors: 0.12
  wind: 0.05
outages: false
policies:
  - {type: export_ban, name: ban_a, exporter: China, elements: [Dy], start: 2024-02}
  - {type: export_ban, name: ban_b, exporter: China, elements: [Tb], start: 2024-03}
  - {type: export_ban, name: ban_c, exporter: China, elements: [NdPr], start: 2024-04}
"""


@pytest.fixture
def base_dir(write, tmp_path):
    write("baseline_2024.yaml", BASE)
    return tmp_path


def test_child_inherits_and_overrides(vocab, write, base_dir):
    child = write(
        "child.yaml",
        """\
        name: child
        extends: baseline_2024
        horizon: {months: 36}
        demand_growth: {wind: 0.07}
        """,
    )
    s = load_scenario(child, vocab, [base_dir])
    assert s.name == "child" and s.description == ""
    assert s.horizon.start == date(2024, 1, 1) and s.horizon.months == 36
    assert s.demand_growth == {"ev_motors": Fixed(value=0.12), "wind": Fixed(value=0.07)}
    assert s.outages is False
    assert [p.name for p in s.policies] == ["ban_a", "ban_b", "ban_c"]
    assert s.lineage == (str(base_dir / "baseline_2024.yaml"), str(child))


def test_replace_in_place_append_and_remove(vocab, write, base_dir):
    child = write(
        "child.yaml",
        """\
        name: child
        extends: baseline_2024
        remove_policies: [ban_a]
        policies:
          - {type: export_ban, name: ban_new, exporter: Myanmar, elements: [Dy], start: 2024-05}
          - {type: export_quota, name: ban_b, exporter: China, elements: [Tb], start: 2024-03,
             quota_t_per_month: 5}
        """,
    )
    s = load_scenario(child, vocab, [base_dir])
    assert [p.name for p in s.policies] == ["ban_b", "ban_c", "ban_new"]
    assert s.policies[0].type == "export_quota"


def test_extends_by_relative_path_and_chain(vocab, write, base_dir):
    write("mid.yaml", "name: mid\nextends: baseline_2024.yaml\noutages: true\n")
    leaf = write("leaf.yaml", "name: leaf\nextends: ./mid.yaml\n")
    s = load_scenario(leaf, vocab, [])
    assert s.outages is True
    assert [Path(p).name for p in s.lineage] == ["baseline_2024.yaml", "mid.yaml", "leaf.yaml"]


def test_parse_scenario_with_search_dirs(vocab, base_dir):
    s = parse_scenario("name: child\nextends: baseline_2024\n", vocab, search_dirs=[base_dir])
    assert s.lineage[-1] == "<string>" and len(s.policies) == 3


def test_child_error_points_at_child_and_parent_error_at_parent(vocab, write, tmp_path):
    parent = write("parent.yaml", BASE.replace("elements: [Tb]", "elements: [Tbx]"))
    child = write("child.yaml", "name: child\nextends: parent.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, vocab, [])
    assert info.value.file == str(parent) and info.value.line == 12
    assert info.value.field == "policies[1].elements[0]"
    bad_child = write("bad.yaml", "name: child\nextends: baseline_2024\nhorizon: {months: 0}\n")
    write("baseline_2024.yaml", BASE)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad_child, vocab, [tmp_path])
    err = info.value
    assert (err.file, err.line, err.field) == (str(bad_child), 3, "horizon.months")


def test_replaced_policy_lines_follow_the_child(vocab, write, base_dir):
    child = write(
        "child.yaml",
        """\
        name: child
        extends: baseline_2024
        policies:
          - {type: export_ban, name: ban_c, exporter: Japn, elements: [Dy], start: 2024-05}
        """,
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, vocab, [base_dir])
    assert (info.value.file, info.value.line) == (str(child), 4)
    assert info.value.field == "policies[2].exporter"


def test_remove_unknown_policy(vocab, write, base_dir):
    child = write("child.yaml", "name: child\nextends: baseline_2024\nremove_policies: [ban_x]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, vocab, [base_dir])
    assert info.value.line == 3 and info.value.field == "remove_policies[0]"
    assert "unknown inherited policy 'ban_x'" in info.value.expected


def test_missing_extends_target(vocab, write, base_dir):
    child = write("child.yaml", "name: child\n\nextends: baseline_2023\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child, vocab, [base_dir])
    err = info.value
    assert (err.file, err.line, err.field) == (str(child), 3, "extends")
    assert err.expected.startswith("no scenario named 'baseline_2023'; known: baseline_2024")


def test_missing_extends_path(vocab, write):
    child = write("child.yaml", "name: child\nextends: nowhere/base.yaml\n")
    with pytest.raises(ScenarioError, match="no scenario file"):
        load_scenario(child, vocab, [])


def test_extends_cycle(vocab, write, tmp_path):
    write("a.yaml", "name: a\nextends: b\n")
    write("b.yaml", "name: b\nextends: c\n")
    write("c.yaml", "name: c\nextends: a\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario("a", vocab, [tmp_path])
    assert info.value.field == "extends" and info.value.file.endswith("c.yaml")
    assert "a.yaml -> b.yaml -> c.yaml -> a.yaml" in info.value.expected


def test_extends_self(vocab, write):
    path = write("self.yaml", "name: me\nextends: self.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(path, vocab, [])


def test_extends_depth_limit(vocab, write, tmp_path):
    write("s0.yaml", BASE.replace("baseline_2024", "s0"))
    for i in range(1, 18):
        write(f"s{i}.yaml", f"name: s{i}\nextends: s{i - 1}\n")
    assert len(load_scenario("s15", vocab, [tmp_path]).lineage) == 16
    with pytest.raises(ScenarioError, match="at most 16"):
        load_scenario("s16", vocab, [tmp_path])


def test_unknown_name(vocab, base_dir):
    with pytest.raises(ScenarioError, match="no scenario named 'nope'; known: baseline_2024"):
        load_scenario("nope", vocab, [base_dir])
