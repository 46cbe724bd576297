"""Shared test fixtures: a copy of the passing fixture atlas, one Mermaid engine, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

FIXTURE_ATLAS = Path(__file__).parent / "fixtures" / "atlas"


@pytest.fixture
def atlas(tmp_path: Path) -> Path:
    """A writable copy of the fixture atlas: every page in it passes every gate."""
    root = tmp_path / "atlas"
    shutil.copytree(FIXTURE_ATLAS, root)
    return root


@pytest.fixture(scope="session")
def engine():
    from dsatlas.engine import MermaidEngine

    engine = MermaidEngine()
    yield engine
    engine.close()


@pytest.fixture
def run(monkeypatch):
    """Run `dsatlas …` in-process from a folder; returns (exit code, stdout)."""
    from dsatlas.cli import app

    def invoke(cwd: Path, *args: str):
        monkeypatch.chdir(cwd)
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return invoke


def check_codes(root: Path, *paths: Path) -> list[tuple[str, str, int]]:
    """(path, code, line) of every finding `dsatlas check` reports, without the cache."""
    from dsatlas.check import run_check

    result = run_check(list(paths) or [root], root, jobs=1, use_cache=False)
    return [(finding.path, finding.code, finding.line) for finding in result.findings]


def replaced(text: str, old: str, new: str, count: int = 1) -> str:
    """`text.replace(old, new, count)` that fails the test when `old` is not there (or `new` is `old`):
    an edit that changes nothing would test the unedited fixture."""
    assert old in text, f"{old!r} is not in the text being edited"
    assert old != new, f"editing {old!r} into itself changes nothing"
    return text.replace(old, new, count)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` in the file at `path`; fails when `old` is not in it (see `replaced`)."""
    path.write_text(replaced(path.read_text(), old, new, count))
