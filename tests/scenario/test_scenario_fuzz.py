"""Random damage to a valid scenario never escapes as anything but a ScenarioError."""

from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplysim.errors import ScenarioError
from supplysim.scenario import Scenario, parse_scenario

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
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
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
