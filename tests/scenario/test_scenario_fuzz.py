"""Hostile scenarios at scale: thousands of generated cases either validate or raise a
located ScenarioError; a sample of valid mutants (absurd capacities included) simulates to
finite numbers."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplysim.errors import ScenarioError
from supplysim.scenario import Scenario, parse_scenario

@pytest.fixture(scope="module")
def real_world():
    """The embedded 2024 world."""
    import supplysim

    return supplysim.load_world()


JUNK = st.one_of(
    st.text(max_size=20),
    st.floats(max_value=-1e-9, allow_nan=False),
    st.integers(max_value=-1),
    st.just(math.nan),
    st.just(math.inf),
    st.lists(st.integers(), max_size=3),
    st.none(),
    st.booleans(),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _containers(data, path=()):
    """Paths of every mapping and list inside ``data``."""
    out = [path] if isinstance(data, (dict, list)) else []
    if isinstance(data, dict):
        items = data.items()
    else:
        items = enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        out += _containers(value, path + (key,))
    return out


def _at(data, path):
    for key in path:
        data = data[key]
    return data


@st.composite
def mutations(draw, base):
    data = yaml.safe_load(base)
    for _ in range(draw(st.integers(1, 3))):
        holders = [p for p in _containers(data) if _at(data, p)]
        path = draw(st.sampled_from(holders))
        node = _at(data, path)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        if action == "replace":
            node[key] = draw(JUNK)
        elif action == "insert" and isinstance(node, dict):
            node[draw(st.text(min_size=1, max_size=12))] = draw(JUNK)
        elif action == "insert":
            node.insert(key, draw(JUNK))
        else:
            del node[key]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@settings(
    max_examples=2000, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_scenarios_parse_or_raise_scenario_error(data, vocab, valid_text):
    text = data.draw(mutations(valid_text))
    try:
        result = parse_scenario(text, vocab, file="mutant.yaml")
    except ScenarioError as err:
        assert err.file == "mutant.yaml"
        assert isinstance(err.line, int) and err.line >= 1
        assert isinstance(err.field, str) and err.field
        assert err.expected
    else:
        assert isinstance(result, Scenario)
        assert len(result.hash) == 16


# ---------------------------------------------------------------- scenarios built from scratch

COUNTRIES = ["China", "Japan", "Myanmar", "Atlantis", "china", ""]
ELEMENTS_ANY = ["Dy", "Tb", "NdPr", "Unobtainium", "dy"]
MATERIALS_ANY = ["oxide_Dy", "magnet_hre", "metal_Tb", "oxide_Xx", "magnet"]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e30, -1e30, 1e308, 12, 36, 400, 10**40]),
    st.integers(-10, 10_000),
    st.text(max_size=8),
    st.sampled_from(["1e6", "NO", "yes", "0x1F", ".inf", "12 t"]),
    st.fixed_dictionaries({"dist": st.sampled_from(["beta", "uniform", "normal", "zipf"]),
                           "a": st.floats(-2, 10), "low": st.floats(-5, 5),
                           "high": st.floats(-5, 5)}),
)
DATES = st.one_of(
    st.sampled_from(["2025-04-04", "2025-01", "1999-01-01", "2199-12", "2025-13-01", "soon", ""]),
    st.dates().map(str),
    st.integers(),
)
POLICY_TYPES = ["export_licensing", "export_ban", "export_quota", "capacity_project",
                "stockpile", "tariff", ""]
KEYS = ["exporter", "stages", "elements", "destinations", "approval_prob", "review_delay_days",
        "start", "end", "quota_t_per_month", "country", "kind", "capacity_t_per_yr", "fid_prob",
        "announced", "construction_months", "ramp_months", "ore_type", "holder", "material",
        "initial_t", "release_trigger_share", "release_t_per_month", "capacity_kg_per_yr",
        "review_delay_weeks", "quota_lb_per_month", "initial_tonnes", "__class__"]


def _value_for(key: str):
    if key in ("start", "end", "announced"):
        return DATES
    if key in ("exporter", "country", "holder"):
        return st.sampled_from(COUNTRIES)
    if key in ("elements", "stages", "destinations"):
        return st.one_of(st.lists(st.sampled_from(ELEMENTS_ANY + COUNTRIES + ["oxide", "metal"]),
                                  max_size=3), st.just("all"), NUMBERS)
    if key == "material":
        return st.sampled_from(MATERIALS_ANY)
    return st.one_of(NUMBERS, JUNK)


@st.composite
def policies(draw):
    policy = {"type": draw(st.sampled_from(POLICY_TYPES)),
              "name": draw(st.one_of(st.sampled_from(["p1", "p2", "Bad Name"]), JUNK))}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=8, unique=True)):
        policy[key] = draw(_value_for(key))
    return policy


@st.composite
def scratch_scenarios(draw):
    doc = {}
    if draw(st.booleans()):
        doc["name"] = draw(st.one_of(st.just("scratch"), JUNK))
    if draw(st.integers(0, 9)):
        doc["horizon"] = draw(st.one_of(
            st.fixed_dictionaries({"start": DATES, "months": st.one_of(
                st.integers(-5, 700), NUMBERS)}), JUNK))
    if draw(st.booleans()):
        doc["demand_growth"] = draw(st.dictionaries(
            st.sampled_from(["ev_motors", "wind", "toasters", "defence"]), NUMBERS, max_size=3))
    if draw(st.booleans()):
        doc["outages"] = draw(st.one_of(st.booleans(), JUNK))
    doc["policies"] = draw(st.one_of(st.lists(policies(), max_size=4), JUNK))
    if draw(st.integers(0, 4)) == 0:
        doc[draw(st.sampled_from(["polices", "horizon_months", "seed", "!!python"]))] = draw(JUNK)
    return doc


_TRAPS = [
    "description: !!python/object/apply:os.system ['echo owned']\n",
    "description: !!python/name:os.system\n",
    "extra: !!binary aGVsbG8=\n",
    "description: &a [x, x]\nnotes: *a\n",
    "outages: NO\n",
    "description: {a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n",
]


def _extends_files(folder, draw_spec):
    """Write an extends chain (or cycle) into ``folder``; return the extends value."""
    depth, cycle = draw_spec
    names = [f"link{i}" for i in range(depth)]
    for i, name in enumerate(names):
        parent = names[i + 1] if i + 1 < depth else (names[0] if cycle else None)
        text = f"name: {name}\nhorizon: {{start: 2025-01, months: 12}}\n"
        if parent:
            text += f"extends: {parent}.yaml\n"
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return f"{names[0]}.yaml"


def _check(text, vocab, file):
    try:
        result = parse_scenario(text, vocab, file=str(file))
    except ScenarioError as err:
        assert isinstance(err.line, int) and err.line >= 1, err
        assert isinstance(err.field, str) and err.field, err
        return None
    assert isinstance(result, Scenario)
    return result


_COUNTER = [0]


@settings(max_examples=1200, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=scratch_scenarios(), trap=st.sampled_from([None, *_TRAPS]),
       chain=st.one_of(st.none(), st.tuples(st.integers(1, 20), st.booleans())))
def test_scratch_scenarios_parse_or_raise_scenario_error(doc, trap, chain, vocab,
                                                         tmp_path_factory):
    _COUNTER[0] += 1
    folder = tmp_path_factory.getbasetemp() / "scratch" / str(_COUNTER[0])
    folder.mkdir(parents=True)
    if chain is not None:
        doc = {**doc, "extends": _extends_files(folder, chain)}
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if trap is not None:
        text += trap
    _check(text, vocab, folder / "scenario.yaml")


# ------------------------------------------------ valid mutants are simulated, results finite

VALID_CHANGES = {
    ("policies", 0, "approval_prob"): st.sampled_from([0.0, 1.0, 0.5]),
    ("policies", 0, "review_delay_days"): st.sampled_from([0, 1, 365, 3650]),
    ("policies", 2, "quota_t_per_month"): st.sampled_from([0, 1e-6, 1e30]),
    ("policies", 3, "capacity_t_per_yr"): st.sampled_from([0, 1e30, 1e6]),
    ("policies", 3, "construction_months"): st.sampled_from([0, 1, 240]),
    ("policies", 4, "initial_t"): st.sampled_from([0, 1e30, 5e4]),
    ("policies", 4, "release_t_per_month"): st.sampled_from([0, 1e30]),
    ("policies", 4, "release_trigger_share"): st.sampled_from([0.0, 1.0]),
    ("horizon", "months"): st.sampled_from([1, 2, 13, 60]),
    ("demand_growth", "wind"): st.sampled_from([-0.5, 0.0, 3.0]),
}


@st.composite
def valid_mutants(draw, base):
    data = yaml.safe_load(base)
    for path in draw(st.lists(st.sampled_from(sorted(VALID_CHANGES, key=str)), min_size=1,
                              max_size=4, unique=True)):
        _at(data, path[:-1])[path[-1]] = draw(VALID_CHANGES[path])
    if draw(st.booleans()):
        data["policies"] = draw(st.permutations(data["policies"]))
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=20, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_valid_mutants_simulate_to_finite_results(data, valid_text, real_world):
    import numpy as np

    import supplysim

    text = data.draw(valid_mutants(valid_text))
    scenario = _check(text, real_world.vocabulary(), "mutant.yaml")
    if scenario is None:
        return
    results = supplysim.simulate(scenario, runs=256, seed=0, world=real_world)
    for name, array in results.ds.data_vars.items():
        assert np.isfinite(array.values).all(), name
