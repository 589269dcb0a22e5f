"""Scenario files: the YAML schema, its validation and loading with ``extends``.

Public entry points: :func:`load_scenario`, :func:`parse_scenario` and :class:`Scenario`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from supplysim.errors import ScenarioError
from supplysim.model.vocabulary import Vocabulary
from supplysim.scenario.distributions import Distribution, Fixed
from supplysim.scenario.load import (
    DOC,
    NAME,
    find_named,
    known_names,
    read_path,
    read_text,
    resolve,
    validate,
)
from supplysim.scenario.schema import (
    CapacityProject,
    ContentRule,
    ExportBan,
    ExportLicensing,
    ExportQuota,
    Horizon,
    Offtake,
    Policy,
    ProjectFinance,
    RecyclingGrowth,
    Scenario,
    StockpilePolicy,
    StockpileSharing,
    TechnologyRule,
)

__all__ = [
    "CapacityProject",
    "ContentRule",
    "Distribution",
    "ExportBan",
    "ExportLicensing",
    "ExportQuota",
    "Fixed",
    "Horizon",
    "Offtake",
    "Policy",
    "ProjectFinance",
    "RecyclingGrowth",
    "Scenario",
    "StockpilePolicy",
    "StockpileSharing",
    "TechnologyRule",
    "load_scenario",
    "parse_scenario",
]

def parse_scenario(
    text: str, vocab: Vocabulary, file: str = "<string>", search_dirs: Sequence[Path] = ()
) -> Scenario:
    """Parse and validate scenario YAML ``text``.

    Parameters
    ----------
    text : str
        The YAML document.
    vocab : Vocabulary
        Known names of the world.
    file : str
        Name used in errors and ``Scenario.file``; a relative ``extends`` path is
        resolved from its folder.
    search_dirs : sequence of pathlib.Path
        Folders searched for ``<name>.yaml`` when ``extends`` names a scenario.

    Returns
    -------
    Scenario
        The resolved scenario.

    Raises
    ------
    ScenarioError
        For the first problem found.
    """
    doc = read_text(text, file)
    chain = (Path(file).resolve(),) if not file.startswith("<") else ()
    merged, lineage = resolve(doc, search_dirs, chain)
    return validate(merged, vocab, lineage)


def load_scenario(
    path_or_name: str | Path, vocab: Vocabulary, search_dirs: Sequence[Path] = ()
) -> Scenario:
    """Load a scenario from a YAML file or by name.

    Parameters
    ----------
    path_or_name : str or pathlib.Path
        A path to a ``.yaml`` file, or a name like ``china_licensing_2025`` looked up as
        ``<dir>/<name>.yaml`` in ``search_dirs``.
    vocab : Vocabulary
        Known names of the world.
    search_dirs : sequence of pathlib.Path
        Folders of named scenarios (for the name and for ``extends``).

    Returns
    -------
    Scenario
        The resolved scenario.

    Raises
    ------
    ScenarioError
        If no such scenario exists or it is invalid.
    """
    ref = str(path_or_name)
    path = Path(ref)
    if not isinstance(path_or_name, Path) and NAME.fullmatch(ref):
        found = find_named(ref, search_dirs)
        if found is None:
            known = ", ".join(known_names(search_dirs)) or "(none)"
            raise ScenarioError(ref, None, DOC, f"no scenario named {ref!r}; known: {known}")
        path = found
    doc = read_path(path)
    merged, lineage = resolve(doc, search_dirs, (path.resolve(),))
    return validate(merged, vocab, lineage)
