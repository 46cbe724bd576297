"""The engines that turn the generated Markdown tree into HTML: MkDocs + Material (default) or Zensical.

dsatlas does all the enrichment before an engine runs, so an engine only renders Markdown with a
theme. MkDocs runs in-process: `dsatlas serve` then rebuilds only the changed pages (MkDocs' dirty
mode) and dsatlas merges their search entries into the full index, which Material's plugin cannot
do for more than one page at a time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Material prints an end-of-life banner on every build; docs/site.md records the plan instead.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

ENGINES = ("mkdocs", "zensical")
ZENSICAL_HINT = "pip install zensical==0.0.73 (the newest release the package index here serves whole)"


class EngineError(Exception):
    """The engine refused the tree; `problems` are its messages, one per line."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "'dirty' build is being performed" not in message:  # we asked for it
            self.messages.append(message)


def mkdocs_build(config_file: Path, *, strict: bool, dirty_docs: list[str] | None = None,
                 site_dir: Path | None = None) -> list[str]:
    """Build with MkDocs in this process; return its warnings (strict: raise on any).

    `site_dir` overrides the config's folder (a full build writes into a staging folder, then swaps it in).

    `dirty_docs` (paths under docs/) asks for an incremental build: only documents whose source is newer
    than their HTML are rendered, then their search entries replace the old ones in the full index.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    propagate = logger.propagate
    logger.addHandler(collect)
    logger.propagate = False
    dirty = dirty_docs is not None
    try:
        overrides = {"site_dir": str(site_dir)} if site_dir is not None else {}
        config = load_config(config_file=str(config_file), strict=strict and not dirty, **overrides)
        previous = _read_search_index(Path(config.site_dir)) if dirty else None
        build(config, dirty=dirty)
        if dirty and previous is not None:
            _merge_search_index(Path(config.site_dir), previous, dirty_docs)
    except (Abort, ConfigurationError) as err:
        raise EngineError(f"MkDocs stopped: {err}", collect.messages or [str(err)]) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return collect.messages


def _read_search_index(site_dir: Path) -> dict | None:
    try:
        return json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _merge_search_index(site_dir: Path, previous: dict, dirty_docs: list[str]) -> None:
    """A dirty build indexes only the pages it rebuilt: put every other page's entries back."""
    from ..util import write_atomic

    current = _read_search_index(site_dir) or {"config": previous.get("config", {}), "docs": []}
    rebuilt = {doc[: -len(".md")] + ".html" for doc in dirty_docs}
    rebuilt |= {entry["location"].split("#", 1)[0] for entry in current["docs"]}
    kept = [entry for entry in previous.get("docs", []) if entry["location"].split("#", 1)[0] not in rebuilt]
    current["docs"] = kept + current["docs"]
    write_atomic(site_dir / "search" / "search_index.json", json.dumps(current, separators=(",", ":")))


def zensical_executable() -> str | None:
    beside = Path(sys.executable).parent / "zensical"
    return str(beside) if beside.is_file() else shutil.which("zensical")


def zensical_build(config_file: Path, *, strict: bool) -> list[str]:
    """Build with Zensical (Material's successor) from the same tree; see docs/site.md for its state."""
    executable = zensical_executable()
    if executable is None:
        raise EngineError("Zensical is not installed", [f"zensical: not found; {ZENSICAL_HINT}"])
    command = [executable, "build", "-f", str(config_file), "--clean"] + (["--strict"] if strict else [])
    result = subprocess.run(command, cwd=config_file.parent, capture_output=True, text=True)
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    if result.returncode != 0:
        raise EngineError(f"Zensical stopped (exit {result.returncode})", output[-20:])
    return [line for line in output if "warning" in line.lower()]
