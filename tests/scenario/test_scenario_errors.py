"""Every kind of invalid scenario gives one ScenarioError naming file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supplysim.errors import ScenarioError
from supplysim.scenario import load_scenario, parse_scenario

HOSTILE = sorted((Path(__file__).parent / "hostile").glob("*.yaml"))
HEAD = "name: bad\nhorizon: {start: 2025-01, months: 12}\n"


def _error(text: str, vocab, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, vocab, file="bad.yaml", **kwargs)
    return info.value


def _policy(vocab, **fields) -> ScenarioError:
    """Error of a scenario with one export ban (keys from line 5 on) changed by ``fields``."""
    body = {"type": "export_ban", "name": "ban", "exporter": "China", "elements": "[Dy]"}
    body.update({"start": "2025-02"}, **fields)
    lines = [f"    {k}: {v}" for k, v in body.items() if v is not None]
    return _error(HEAD + "policies:\n  -\n" + "\n".join(lines) + "\n", vocab)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_file(path, vocab, hostile_dir):
    match = re.match(r"# expect: line (\d+) field (\S+)", path.read_text(encoding="utf-8"))
    assert match, f"{path.name} lacks its '# expect:' line"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, vocab, [hostile_dir])
    err = info.value
    assert (err.line, err.field) == (int(match[1]), match[2]), err
    assert Path(err.file).parent == hostile_dir and err.expected


def test_hostile_dir_covers_the_cases():
    assert len(HOSTILE) >= 30


def test_unknown_key_suggests(vocab):
    err = _policy(vocab, exportr="China", exporter=None)
    assert (err.file, err.line, err.field) == ("bad.yaml", 9, "policies[0].exportr")
    assert err.expected == "unknown key 'exportr'; did you mean 'exporter'?"
    err = _error("name: x\nhorizon: {start: 2025-01, months: 12}\noutage: false\n", vocab)
    assert (err.line, err.field) == (3, "outage") and "did you mean 'outages'?" in err.expected


def test_unknown_top_level_key_cannot_set_internal_fields(vocab):
    err = _error(HEAD + "lineage: [a, b]\n", vocab)
    assert (err.line, err.field) == (3, "lineage") and "unknown key" in err.expected


def test_string_for_number(vocab):
    err = _policy(vocab, type="export_quota", quota_t_per_month='"100"')
    assert (err.line, err.field) == (10, "policies[0].quota_t_per_month")
    assert "got the string '100'" in err.expected


def test_list_for_mapping(vocab):
    err = _error("name: x\nhorizon: [2025-01, 12]\n", vocab)
    assert (err.line, err.field) == (2, "horizon")
    assert "expected a mapping, got a list" in err.expected


def test_negative_capacity(vocab):
    text = HEAD + (
        "policies:\n  - {type: capacity_project, name: p, country: Japan, kind: magnet_plant,\n"
        "     capacity_t_per_yr: -5, fid_prob: 1, announced: 2025-01,\n"
        "     construction_months: 12, ramp_months: 0}\n"
    )
    err = _error(text, vocab)
    assert (err.line, err.field) == (5, "policies[0].capacity_t_per_yr")
    assert err.expected == "expected a number > 0, got -5"


def test_probability_outside_unit_interval(vocab):
    err = _policy(vocab, type="export_licensing", approval_prob="1.5", review_delay_days="63")
    assert (err.line, err.field) == (10, "policies[0].approval_prob")
    assert err.expected == "expected a probability in [0, 1], got 1.5"
    normal = "{dist: normal, mean: 0.5, sd: 0.1}"
    err = _policy(vocab, type="export_licensing", approval_prob=normal, review_delay_days="63")
    assert "got a normal distribution with support [-inf, inf]" in err.expected


def test_end_before_start(vocab):
    err = _policy(vocab, start="2025-06-01", end="2025-06-01")
    assert (err.line, err.field) == (10, "policies[0].end") and "after start" in err.expected


def test_start_after_horizon(vocab):
    err = _policy(vocab, start="2026-01")
    assert (err.line, err.field) == (9, "policies[0].start")
    assert "within the horizon (by 2025-12-31)" in err.expected


def test_unknown_country(vocab):
    err = _policy(vocab, destinations="[Japan, Vietnm]")
    assert (err.line, err.field) == (10, "policies[0].destinations[1]")
    assert err.expected.startswith("unknown country 'Vietnm'; did you mean 'Vietnam'? known: ")


def test_unknown_element(vocab):
    err = _policy(vocab, elements="[Dyy]")
    assert (err.line, err.field) == (8, "policies[0].elements[0]")
    assert "unknown element 'Dyy'; did you mean 'Dy'?" in err.expected


def test_unknown_stage(vocab):
    err = _policy(vocab, stages="[oxide, alloy]")
    assert (err.line, err.field) == (10, "policies[0].stages[1]")
    assert "unknown stage 'alloy'" in err.expected


def test_unknown_material(vocab):
    text = HEAD + (
        "policies:\n  - {type: stockpile, name: s, holder: Japan, material: oxide_Nd,\n"
        "     initial_t: 1, release_trigger_share: 0.1, release_t_per_month: 1}\n"
    )
    err = _error(text, vocab)
    assert (err.line, err.field) == (4, "policies[0].material")
    assert "unknown material 'oxide_Nd'" in err.expected


def test_unknown_sector(vocab):
    err = _error(HEAD + "demand_growth:\n  wind: 0.1\n  defense: 0.2\n", vocab)
    assert (err.line, err.field) == (5, "demand_growth.defense")
    assert "did you mean 'defence'?" in err.expected


def test_unknown_policy_type(vocab):
    err = _policy(vocab, type="export_tax")
    assert (err.line, err.field) == (5, "policies[0].type")
    assert "unknown policy type 'export_tax'" in err.expected


def test_unknown_distribution(vocab):
    err = _error(HEAD + "demand_growth:\n  wind: {dist: gamma, a: 1}\n", vocab)
    assert (err.line, err.field) == (4, "demand_growth.wind.dist")
    assert "unknown distribution 'gamma'" in err.expected


def test_missing_required_field(vocab):
    err = _policy(vocab, elements=None)
    assert (err.line, err.field) == (5, "policies[0].elements") and "required" in err.expected
    err = _error("horizon: {start: 2025-01, months: 12}\n", vocab)
    assert (err.line, err.field) == (1, "name")


def test_missing_distribution_parameter(vocab):
    err = _error(HEAD + "demand_growth:\n  wind: {dist: uniform, low: 1}\n", vocab)
    assert (err.line, err.field) == (4, "demand_growth.wind.high")


def test_duplicate_policy_names(vocab):
    text = HEAD + (
        "policies:\n"
        "  - {type: export_ban, name: b, exporter: China, elements: [Dy], start: 2025-02}\n"
        "  - {type: export_ban, name: b, exporter: China, elements: [Tb], start: 2025-02}\n"
    )
    err = _error(text, vocab)
    assert (err.line, err.field) == (5, "policies[1].name") and "unique" in err.expected


def test_broken_yaml(vocab):
    err = _error("name: x\nhorizon: {start: 2025-01, months: 12\nouta ges: [\n", vocab)
    assert err.field == "(document)" and err.line == 3 and "valid YAML" in err.expected


def test_nan_and_inf(vocab):
    for value in (".nan", ".inf", "-.inf", ".NaN"):
        err = _error(HEAD + f"demand_growth:\n  wind: {value}\n", vocab)
        assert (err.line, err.field) == (4, "demand_growth.wind")
        assert "finite" in err.expected


def test_python_tags_refused(vocab):
    for tagged in ("!!python/object:os.system {}", "!!python/name:os.system ''", "!custom 1"):
        err = _error(HEAD + f"description: {tagged}\n", vocab)
        assert (err.line, err.field) == (3, "description") and "safe loading" in err.expected


def test_empty_file(vocab):
    for text in ("", "\n\n", "# just a comment\n", "---\n"):
        err = _error(text, vocab)
        assert (err.line, err.field) == (1, "(document)") and "empty" in err.expected


def test_top_level_not_mapping(vocab):
    for text in ("- a\n- b\n", "just a string\n", "42\n"):
        err = _error(text, vocab)
        assert err.field == "(document)" and "expected a mapping" in err.expected


def test_file_too_large(vocab, write):
    text = HEAD + "description: '" + "x" * (1 << 20) + "'\n"
    err = _error(text, vocab)
    assert (err.line, err.field) == (1, "(document)") and "1 MiB" in err.expected
    path = write("big.yaml", text)
    with pytest.raises(ScenarioError, match="1 MiB"):
        load_scenario(path, vocab, [])


def test_nested_too_deep(vocab):
    err = _error(HEAD + "description: " + "[" * 40 + "]" * 40 + "\n", vocab)
    assert (err.line, err.field) == (3, "(document)") and "32" in err.expected
    deep = "[" * 100_000 + "]" * 100_000
    assert _error(HEAD + f"description: {deep}\n", vocab).field == "(document)"


def test_too_many_aliases(vocab):
    text = HEAD + "description: &d text\npolicies:\n" + "  - *d\n" * 101
    err = _error(text, vocab)
    assert (err.line, err.field) == (105, "(document)") and "aliases" in err.expected


def test_billion_laughs_expansion(vocab):
    lines = ["name: lol", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    err = _error("\n".join(lines) + "\n", vocab)
    assert err.line >= 1 and "values" in err.expected


def test_yaml_no_is_a_boolean(vocab):
    err = _policy(vocab, exporter="NO")
    assert (err.line, err.field) == (7, "policies[0].exporter")
    assert "YAML reads NO/yes/on/off as booleans; quote it" in err.expected
    assert _error(HEAD + "outages: 'no'\n", vocab).field == "outages"


def test_scientific_notation_string(vocab):
    err = _policy(vocab, type="export_quota", quota_t_per_month="1e6")
    assert (err.line, err.field) == (10, "policies[0].quota_t_per_month")
    assert "write 1.0e+6 or 1000000" in err.expected
    ok = parse_scenario(HEAD + "demand_growth: {wind: 1.0e+6}\n", vocab)
    assert ok.demand_growth["wind"].mean() == 1e6


def test_bool_is_not_a_number(vocab):
    err = _error("name: x\nhorizon: {start: 2025-01, months: true}\n", vocab)
    assert (err.line, err.field) == (2, "horizon.months") and "integer" in err.expected


def test_other_traps(vocab):
    err = _error(HEAD + "name: again\n", vocab)
    assert (err.line, err.expected) == (3, "expected unique keys, got 'name' twice")
    assert "string key" in _error(HEAD + "demand_growth: {1: 0.1}\n", vocab).expected
    assert "merge key" in _error(HEAD + "x: &x {a: 1}\ndemand_growth:\n  <<: *x\n", vocab).expected
    assert "valid value" in _error(HEAD + "description: 2025-02-30\n", vocab).expected
    assert _error("name: Bad Name\nhorizon: {start: 2025-01, months: 12}\n", vocab).field == "name"
    err = _error("name: x\nhorizon: {start: 2025-01-15, months: 12}\n", vocab)
    assert err.field == "horizon.start"
    project = {"type": "capacity_project", "exporter": None, "elements": None, "start": None}
    project.update(country="Japan", kind="separator", ore_type="ionic_clay", capacity_t_per_yr="1")
    project.update(fid_prob="1", announced="2025-01", construction_months="1", ramp_months="0")
    err = _policy(vocab, **project)
    assert err.field == "policies[0].ore_type"


def test_errors_are_value_errors(vocab):
    with pytest.raises(ValueError, match=r"bad\.yaml:2: horizon\.months: "):
        parse_scenario("name: x\nhorizon: {start: 2025-01, months: 601}\n", vocab, file="bad.yaml")
