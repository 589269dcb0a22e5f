"""The Python example of the README runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    code = blocks[0].replace("runs=2000", "runs=256")
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "japan_magnets.png").exists()


def test_readme_streaming_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if 'store="summary"' in b)
    exec(compile(code.replace("runs=1_000_000", "runs=256"), "README.md", "exec"), {})
    assert "p_any_month_over_threshold" in capsys.readouterr().out


@pytest.mark.xdist_group("numba")  # compiled by one worker (tests/engines/test_backends.py)
def test_readme_backend_example_runs():
    pytest.importorskip("numba")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if 'backend="numba"' in b)
    exec(compile(code.replace("runs=2000", "runs=256"), "README.md", "exec"), {})
