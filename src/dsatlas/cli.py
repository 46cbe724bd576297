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
    from .opendata import SCHEMA_FILE, json_schema
    from .util import write_atomic

    out.mkdir(parents=True, exist_ok=True)
    for name, model in (("page", PageMeta), ("source", Source), ("company", CompanyFacts),
                        ("incident", IncidentFacts), ("signal", Signal)):
        target = out / f"{name}.schema.json"
        write_atomic(target, json.dumps(model.model_json_schema(), indent=2) + "\n")
        typer.echo(f"wrote {target}")
    write_atomic(out / SCHEMA_FILE, json.dumps(json_schema(), indent=2) + "\n")
    typer.echo(f"wrote {out / SCHEMA_FILE} (the shape of `dsatlas export`)")


_ROOT_HELP = "Atlas root (default: nearest folder above the current one with content/ or data/)."


@app.command()
def export(
    out: Path = typer.Option(Path("atlas.json"), "--out", "-o", help="File to write ('-': standard output)."),
    draft: bool = typer.Option(False, "--draft", help="Export even when the atlas fails `dsatlas check` "
                               "(pages whose front matter does not load are left out). Never publish a draft."),
    root: Path | None = typer.Option(None, "--root", help=_ROOT_HELP),
) -> None:
    """Write the atlas as one JSON document: pages with their figures (source records and locators) and
    failure modes (signals, thresholds and provenance), signals, sources, companies, incidents.

    The shape is published as JSON Schema (`dsatlas schema` writes atlas.schema.json; the site serves
    /atlas.json and /atlas.schema.json). Refuses an atlas that fails `dsatlas check`, unless --draft.
    Exit status: 0 written, 1 the atlas fails its checks, 2 usage error.
    """
    from .check import find_root, run_check
    from .engine import EngineUnavailable
    from .loader import load_data
    from .opendata import atlas_document, load_pages
    from .util import write_atomic

    atlas_root = (root or find_root(Path.cwd())).resolve()
    if not (atlas_root / "content").is_dir():
        _usage(f"{atlas_root} has no content/ folder: run in an atlas, or pass --root")
    if not draft:
        targets = [atlas_root / folder for folder in ("content", "data") if (atlas_root / folder).is_dir()]
        try:
            result = run_check(targets, atlas_root)
        except EngineUnavailable as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        if result.errors:
            for finding in result.error_findings():
                typer.echo(finding.human(), err=True)
            typer.echo(f"error: the atlas fails `dsatlas check` ({result.errors} error(s)): fix them, or "
                       "export a draft with --draft", err=True)
            raise typer.Exit(1)
    document = atlas_document(load_pages(atlas_root), load_data(atlas_root))
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if str(out) == "-":
        sys.stdout.write(text)
        return
    write_atomic(out, text)
    typer.echo(f"wrote {out}: {len(document['pages'])} pages, {len(document['signals'])} signals, "
               f"{len(document['sources'])} sources, {len(document['incidents'])} incidents"
               + (" (draft)" if draft else ""), err=True)


@app.command()
def show(
    page_id: str = typer.Argument(..., metavar="PAGE-ID", help="A page id: its path under content/ without "
                                  "'.md', e.g. systems/netflix/storage."),
    root: Path | None = typer.Option(None, "--root", help=_ROOT_HELP),
) -> None:
    """Print a page's 3 AM table (symptom, signal and threshold marked sourced or suggested, first action
    and its risk), its signals and its key figures with their sources.

    Needs no built site and no browser: it reads content/ and data/. Rich tables on a terminal, plain
    text when piped. Exit status: 0 shown, 2 unknown page id (the nearest ids are listed) or usage error.
    """
    from rich.console import Console

    from .check import find_root
    from .loader import CONTENT_DIR, discover, load_data, load_page
    from .model import PAGE_ID_RE
    from .opendata import page_document
    from .terminal import nearest_ids
    from .terminal import show as show_page

    atlas_root = (root or find_root(Path.cwd())).resolve()
    content = atlas_root / CONTENT_DIR
    wanted = page_id.strip().removeprefix("content/").removesuffix(".md").strip("/")
    path = content / f"{wanted}.md"
    if not PAGE_ID_RE.fullmatch(wanted) or not path.is_file():
        known = [item.relative_to(content).with_suffix("").as_posix() for item in discover([content])
                 if item.suffix == ".md"] if content.is_dir() else []
        near = nearest_ids(wanted, known)
        _usage(f"no page {page_id!r} under {CONTENT_DIR}/" + (f"; nearest: {', '.join(near)}" if near else
                                                             "; `dsatlas progress` lists the pages"))
    page = load_page(path, atlas_root)
    if page.meta is None:
        for finding in page.findings:
            typer.echo(finding.human(), err=True)
        _usage(f"{page.path}: its front matter does not load; `dsatlas check {page.path}` says why")
    show_page(page_document(wanted, page.meta, load_data(atlas_root)), Console(highlight=False))


@app.command()
def find(
    text: list[str] = typer.Argument(..., metavar="TEXT", help="Words to look for, e.g. `replica lag`."),
    root: Path | None = typer.Option(None, "--root", help=_ROOT_HELP),
) -> None:
    """Search every failure mode's symptom, its signal (name or id) and its page's title, ignoring case;
    every word must match. Prints the matching failure modes with their page ids (and 3 AM row anchors).

    Needs no built site and no browser. Exit status: 0 found, 1 nothing matches, 2 usage error.
    """
    from rich.console import Console

    from .check import find_root
    from .loader import load_data
    from .opendata import atlas_document, load_pages
    from .terminal import find as print_found
    from .terminal import matches

    query = " ".join(text)
    if not query.split():
        _usage("give at least one word to look for")
    atlas_root = (root or find_root(Path.cwd())).resolve()
    document = atlas_document(load_pages(atlas_root), load_data(atlas_root))
    found = list(matches(document, query))
    if not found:
        typer.echo(f"no failure mode matches every word of {query!r} (symptoms, signal names, page titles)",
                   err=True)
        raise typer.Exit(1)
    print_found(found, Console(highlight=False))


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
