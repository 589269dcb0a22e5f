"""Helpers of the tests that run the command line in a subprocess or compare whole runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import supplysim

SRC = Path(supplysim.__file__).resolve().parents[1]


def cli_env() -> dict[str, str]:
    """Environment for ``python -m supplysim`` that imports this source tree."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env


def cli_argv(*args: str) -> list[str]:
    """``python -m supplysim`` with ``args``."""
    return [sys.executable, "-m", "supplysim", *map(str, args)]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line to completion."""
    return subprocess.run(cli_argv(*args), capture_output=True, text=True, env=cli_env(),
                          timeout=timeout, check=False)


def assert_same_arrays(a, b) -> None:
    """Every data variable of two Results is exactly equal."""
    assert set(a.ds.data_vars) == set(b.ds.data_vars)
    for name in a.ds.data_vars:
        np.testing.assert_array_equal(a.ds[name].values, b.ds[name].values, err_msg=name)
