"""Shared fixtures of the scenario tests: a small world vocabulary and a valid scenario."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from supplysim.model.vocabulary import Vocabulary

ELEMENTS = ("NdPr", "Dy", "Tb")

VALID = textwrap.dedent(
    """\
    # a valid scenario using every policy type
    name: china_licensing_2025
    description: "Licensing of heavy rare earths"
    horizon:
      start: 2025-01
      months: 36
    demand_growth:
      ev_motors: {dist: uniform, low: 0.08, high: 0.16}
      wind: 0.05
    outages: true
    policies:
      - type: export_licensing
        name: mofcom_18
        exporter: China
        stages: [oxide, metal, magnet]
        elements: [Dy, Tb]
        destinations: all
        approval_prob: {dist: beta, a: 6, b: 4}
        review_delay_days: 63
        applications_per_month: 4
        start: 2025-04-04
        end: null
      - type: export_ban
        name: ban_magnets
        exporter: China
        stages: [magnet]
        elements: [NdPr]
        destinations: [United States]
        start: 2026-01
      - type: export_quota
        name: myanmar_quota
        exporter: Myanmar
        elements: [Dy, Tb]
        quota_t_per_month: {dist: triangular, low: 50, mode: 80, high: 100}
        start: 2025-06-01
        end: 2026-06-01
      - type: capacity_project
        name: iluka_eneabba
        country: Australia
        kind: separator
        ore_type: null
        capacity_t_per_yr: 1500
        fid_prob: 0.8
        announced: 2025-01
        construction_months: {dist: lognormal, median: 30, sigma: 0.3}
        ramp_months: {dist: uniform, low: 6, high: 24}
      - type: stockpile
        name: jogmec_dy
        holder: Japan
        material: oxide_Dy
        initial_t: 300
        release_trigger_share: 0.1
        release_t_per_month: 50
        replenish_t_per_month: 0
    """
)


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    """A small world: three elements, four stages, nine countries."""
    return Vocabulary(
        countries=frozenset(
            [
                "China", "Japan", "United States", "European Union", "Australia", "Malaysia",
                "Myanmar", "Vietnam", "Rest of world",
            ]
        ),  # fmt: skip
        regions=frozenset(["Asia", "North America", "Europe", "Oceania", "Rest of world"]),
        elements=frozenset(ELEMENTS),
        stages=frozenset(["ore", "oxide", "metal", "magnet"]),
        materials=frozenset(
            [f"{stage}_{el}" for stage in ("ore", "oxide", "metal") for el in ELEMENTS]
            + ["magnet_hre", "magnet_std"]
        ),
        sectors=frozenset(["ev_motors", "wind", "defence", "electronics", "industrial", "other"]),
        facility_kinds=frozenset(["mine", "separator", "metal_plant", "magnet_plant"]),
        ore_types=frozenset(
            [
                "bastnaesite_bayan_obo", "ionic_clay", "bastnaesite_mountain_pass",
                "monazite_mt_weld", "mixed_monazite",
            ]
        ),  # fmt: skip
    )


@pytest.fixture(scope="session")
def valid_text() -> str:
    """YAML of a valid scenario with one policy of each type."""
    return VALID


@pytest.fixture(scope="session")
def hostile_dir() -> Path:
    """Folder of invalid scenario files, each naming its expected error on line 1."""
    return Path(__file__).parent / "hostile"


@pytest.fixture
def write(tmp_path: Path):
    """Write ``text`` (dedented) to ``tmp_path/name`` and return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write
