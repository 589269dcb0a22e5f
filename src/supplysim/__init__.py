"""supplysim: Monte Carlo supply-chain risk simulation for rare earths and other critical minerals.

>>> import supplysim
>>> scenario = supplysim.load_scenario("china_licensing_2025")
>>> results = supplysim.simulate(scenario, runs=256, seed=1)
>>> sorted(results.meta)[:4]
['chunks', 'engine', 'node_steps_per_s', 'nodes']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from supplysim.data import load_world
from supplysim.errors import DataError, InvariantError, ScenarioError
from supplysim.results import Results
from supplysim.run import simulate

try:
    __version__ = version("supplysim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: Folder of the bundled scenarios.
SCENARIO_DIR = Path(__file__).parent / "scenarios"

__all__ = ["DataError", "InvariantError", "Results", "ScenarioError", "__version__",
           "list_scenarios", "load_scenario", "load_world", "simulate"]


def load_scenario(path_or_name, world=None):
    """Load and validate a scenario file, or a bundled scenario by name.

    Parameters
    ----------
    path_or_name : str or Path
        A ``.yaml`` path, or a bundled name such as ``"china_licensing_2025"``
        (see :func:`list_scenarios`).
    world : World, optional
        The world whose countries, elements and materials the file may name
        (default: the embedded 2024 world).

    Raises
    ------
    ScenarioError
        Naming file, line and field of the first problem.
    """
    from supplysim.scenario import load_scenario as _load

    vocab = (world or load_world()).vocabulary()
    return _load(path_or_name, vocab, search_dirs=[SCENARIO_DIR])


def list_scenarios() -> list[tuple[str, str]]:
    """Bundled scenarios as ``(name, description)``."""
    import yaml

    out = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text()) or {}
        out.append((path.stem, str(doc.get("description", "")).strip()))
    return out
