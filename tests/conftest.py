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


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
