"""The `dsatlas` command line: one command per step an author or CI takes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from . import __version__


class _App(typer.Typer):
    """The `dsatlas` entry point: a file system fault (disk full, read-only or unreadable folder, a name
    too long) ends any command with one line saying what and what to do, exit 2, never a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except OSError as err:
            from .util import os_error_message

            typer.echo(f"error: {os_error_message(err)}", err=True)
            raise SystemExit(2) from None


app = _App(
    help="dsatlas — the Distributed Systems Atlas toolchain: check pages against Mermaid's own parser "
    "and the quality gates, scaffold pages, track progress and build the offline site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dsatlas {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """dsatlas: diagrams-as-code for distributed systems, every figure sourced."""


@app.command()
def check(
    paths: list[Path] = typer.Argument(None, help="Pages, .mmd diagrams or folders (default: content/ and "
                                       "data/ of the atlas)."),
    fmt: str = typer.Option("human", "--format", "-f", help="human, json, sarif or github (annotations)."),
    changed: str | None = typer.Option(None, "--changed", metavar="REF",
                                       help="Check only what changed since this git ref (committed, staged, "
                                       "unstaged, untracked) and every page drawing on a changed record."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: cores)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse everything again; ignore the cache."),
    root: Path | None = typer.Option(None, "--root", help="Atlas root (default: nearest folder above the "
                                        "current one with content/ or data/)."),
    diagrams_only: bool = typer.Option(False, "--diagrams-only",
                                       help="Any Markdown, front matter or not: run Mermaid's parser and the "
                                       "diagram-safety checks on every ```mermaid block, nothing else."),
) -> None:
    """Validate pages: Mermaid's own parser, then every quality gate (see `dsatlas rules`).

    With --diagrams-only, lint the Mermaid blocks of any Markdown file (a README, another project's docs).
    Exit status: 0 no errors, 1 findings, 2 usage error.
    """
    from .changes import changed_files, repo_relative
    from .check import find_root, run_check
    from .engine import EngineUnavailable
    from .report import FORMATS, render

    if fmt not in FORMATS:
        _usage(f"--format must be one of {', '.join(FORMATS)}")
    atlas_root = (root or find_root(Path.cwd())).resolve()
    if changed is not None:
        try:
            targets = changed_files(atlas_root, changed)
        except (ValueError, OSError) as err:
            _usage(f"--changed {changed}: {err}")
    elif paths:
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            _usage(f"no such file or folder: {', '.join(missing)}")
        targets = paths
    else:
        folders = ("content",) if diagrams_only else ("content", "data")
        targets = [atlas_root / folder for folder in folders if (atlas_root / folder).is_dir()]
        if not targets:
            _usage(f"{atlas_root} has no content/ or data/ folder: pass paths, or use --root")
    # linting another project's Markdown leaves nothing behind in it: no .dsatlas-cache/ outside an atlas
    in_atlas = any((atlas_root / folder).is_dir() for folder in ("content", "data"))
    use_cache = not no_cache and (in_atlas or not diagrams_only)
    progress_cb, finish = _progress_bar("Checking")
    try:
        result = run_check(list(targets), atlas_root, jobs=jobs, use_cache=use_cache, progress=progress_cb,
                           diagrams_only=diagrams_only)
    except EngineUnavailable as err:
        finish()
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    finish()
    findings = result.findings
    if fmt in ("github", "sarif"):  # GitHub resolves annotation and SARIF paths from the repository's top
        findings = repo_relative(findings, atlas_root)
    typer.echo(render(findings, fmt, result.checked, result.cached))
    raise typer.Exit(1 if result.errors else 0)


@app.command()
def rules(
    code: str | None = typer.Argument(None, help="Show one rule in full, e.g. ATL301."),
    fmt: str = typer.Option("human", "--format", "-f", help="human, json, or markdown (the tables in "
                            "docs/authoring.md)."),
) -> None:
    """List the quality gates: code, gate, what it checks and why (ruff-style), and the kind table."""
    from .gates import all_rules
    from .rulesdoc import kinds_markdown, rules_markdown

    if fmt not in ("human", "json", "markdown"):
        _usage("--format must be one of human, json, markdown")
    selected = [rule for rule in all_rules() if code is None or rule.code == code.upper()]
    if not selected:
        _usage(f"no rule {code}: `dsatlas rules` lists them")
    if fmt == "json":
        typer.echo(json.dumps([rule.to_dict() for rule in selected], indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        typer.echo(rules_markdown(selected) + ("" if code else "\n\n" + kinds_markdown()))
        return
    for rule in selected:
        typer.echo(f"{rule.code}  [{rule.gate}]  {rule.summary}  (applies to: {rule.applies.describe()}"
                   f"{'; cannot be waived' if not rule.waivable else ''})")
        if code:
            typer.echo("\n" + rule.doc)
    if code is None:
        from .profiles import PROFILES

        typer.echo("\nKinds (page path · planes · min sources · hardware · cost · facts):")
        for kind, prof in PROFILES.items():
            typer.echo(f"  {kind.value:18} content/{prof.page_id('<subject>', prof.fixed_view or '<view>')}.md "
                       f"planes={prof.planes} sources≥{prof.min_sources} "
                       f"hardware={'yes' if prof.hardware else 'no'} cost={'yes' if prof.cost else 'no'} "
                       f"facts={prof.facts or '-'}")


@app.command()
def schema(
    out: Path = typer.Option(Path("schema"), "--out", "-o", help="Folder to write the JSON Schema files into."),
) -> None:
    """Write JSON Schema for pages, sources, company and incident facts and signals (for editors)."""
    from .model import CompanyFacts, IncidentFacts, PageMeta, Signal, Source
    from .util import write_atomic

    out.mkdir(parents=True, exist_ok=True)
    for name, model in (("page", PageMeta), ("source", Source), ("company", CompanyFacts),
                        ("incident", IncidentFacts), ("signal", Signal)):
        target = out / f"{name}.schema.json"
        write_atomic(target, json.dumps(model.model_json_schema(), indent=2) + "\n")
        typer.echo(f"wrote {target}")


def _usage(message: str) -> None:
    from .findings import printable

    typer.echo(f"error: {printable(message)}", err=True)  # it may quote a file name or a git ref
    raise typer.Exit(2)


def _progress_bar(label: str):
    """A Rich progress bar on a terminal; nothing when output is piped (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(f"[bold]{label}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
    bar.start()
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _register_optional_commands() -> None:
    """Command groups living in their own modules register here, one line each."""
    import importlib

    for module in ("dsatlas.site.cli", "dsatlas.authoring.cli"):
        try:
            importlib.import_module(module).register(app)
        except ModuleNotFoundError as err:
            if err.name != module and not module.startswith(err.name or "\0"):
                raise


_register_optional_commands()
