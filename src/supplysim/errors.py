"""The exceptions users catch: bad scenario files and bad world data."""

from __future__ import annotations


class SupplysimError(Exception):
    """Base class of the library's own errors."""


class ScenarioError(SupplysimError, ValueError):
    """A scenario file is invalid.

    Parameters
    ----------
    file : str
        The scenario file (or ``"<string>"``).
    line : int or None
        1-based line in ``file`` where the offending value starts.
    field : str
        Dotted path of the field, e.g. ``policies[0].approval_prob``.
    expected : str
        What a valid value looks like.
    """

    def __init__(self, file: str, line: int | None, field: str, expected: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.expected = expected
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {field}: {expected}")


class DataError(SupplysimError, ValueError):
    """World data tables are inconsistent (names the table, row and column)."""


class BackendUnavailable(SupplysimError, ImportError):
    """A backend's optional dependency is not installed (the message says what to install)."""


class ExperimentalWarning(UserWarning):
    """A feature whose numbers are not yet checked against the reference implementation."""


class InvariantError(SupplysimError, AssertionError):
    """A runtime guard failed: mass balance, negative stock, NaN (names step, node, material)."""
