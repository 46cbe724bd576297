"""The engines that turn the generated Markdown tree into HTML: MkDocs + Material (default) or Zensical.

dsatlas does all the enrichment before an engine runs, so an engine only renders Markdown with a
theme. MkDocs runs in-process through `pagebuild`, which keeps the HTML of every page whose Markdown and
navigation did not change and renders the rest on every core.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Store
from . import pagebuild

# Material prints an end-of-life banner on every build; docs/site.md records the plan instead.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

ENGINES = ("mkdocs", "zensical")
ZENSICAL_HINT = "pip install zensical==0.0.73 (the newest release the package index here serves whole)"


class EngineError(Exception):
    """The engine refused the tree; `problems` are its messages, one per line."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


@dataclass
class EngineReport:
    warnings: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # populated, rendered and reused pages (pagebuild)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def mkdocs_build(config_file: Path, *, strict: bool, site_dir: Path | None = None, in_place: bool = False,
                 store: Store | None = None, jobs: int = 1, progress=None,
                 session: pagebuild.EngineSession | None = None) -> EngineReport:
    """Build with MkDocs in this process; return its warnings (strict: raise on any) and page counts.

    `site_dir` overrides the config's folder (a full build writes into a staging folder, then swaps it in).
    The build reuses the pages `store` holds and renders the rest in `jobs` processes (`pagebuild`);
    `in_place` (`dsatlas serve`) rewrites only the files that changed and deletes what is gone; `session`
    keeps the loaded config, the compiled templates and the decoded pages between two such builds.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    propagate = logger.propagate
    logger.addHandler(collect)
    logger.propagate = False
    report = EngineReport()
    try:
        overrides = {"site_dir": str(site_dir)} if site_dir is not None else {}
        identity = (config_file.read_text(encoding="utf-8"), str(site_dir), strict, in_place)
        if session is not None and session.config is not None and session.config_identity == identity:
            config = session.config  # the same mkdocs.yml: its plugins' on_config is idempotent
        else:
            config = load_config(config_file=str(config_file), strict=strict, **overrides)
        if pagebuild.supported(config):
            report.pages = pagebuild.build(config, store=store, jobs=jobs, in_place=in_place,
                                           progress=progress, session=session)
            if session is not None:
                session.config, session.config_identity = config, identity
        else:  # a config pagebuild does not know: MkDocs' own build, which starts from an empty folder
            build(config)
    except (Abort, ConfigurationError) as err:
        raise EngineError(f"MkDocs stopped: {err}", collect.messages or [str(err)]) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    report.warnings = collect.messages
    return report


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
