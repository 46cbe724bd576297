"""The authoring commands: `dsatlas new`, `dsatlas sources …` and `dsatlas progress`.

`dsatlas.cli` calls `register(app)` when this module exists; each command's docstring is its --help.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

MAX_LISTED_PLACEHOLDERS = 30

sources_app = typer.Typer(
    help="The sources database (data/sources/): list records, find unused, missing and stale ones, check links.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("new")(new)


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _root(root: Path | None) -> Path:
    from ..check import find_root

    return (root or find_root(Path.cwd())).resolve()


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _usage(f"--today {value!r} is not a date: write YYYY-MM-DD")
        raise  # unreachable: _usage exits


ROOT_OPTION = typer.Option(None, "--root", help="Atlas root (default: nearest folder above the current one "
                           "with content/ or data/).")
TODAY_OPTION = typer.Option(None, "--today", metavar="YYYY-MM-DD",
                            help="Compute as if today were this date (reproducible reports).")


# ---- dsatlas new ----------------------------------------------------------------------------------


def new(
    kind: str | None = typer.Argument(None, help="Page kind, e.g. architecture, incident-timeline, "
                                         "guarantee (`--list` shows them all)."),
    subject: str | None = typer.Argument(None, help="Slug of the company, incident, guarantee, "
                                            "mechanism… e.g. netflix, aws-s3-2017, linearizability."),
    view: str | None = typer.Option(None, "--view", help="The view's slug, for kinds with several pages "
                                       "per subject (guarantee: contract, implementation, …; others: any "
                                       "slug, default 'overview')."),
    force: bool = typer.Option(False, "--force", help="Replace an existing page; the old one is kept beside "
                               "it as <page>.md.<timestamp>.bak."),
    list_kinds: bool = typer.Option(False, "--list", help="List the kinds, where their pages go and which "
                                    "facts each template draws on."),
    to_stdout: bool = typer.Option(False, "--stdout", help="Print the page instead of writing it."),
    root: Path | None = ROOT_OPTION,
) -> None:
    """Scaffold a page from its kind's template and the subject's facts.

    The page lands where the kind's profile says (content/systems/<company>/<kind>.md, …). What the
    facts know is filled in and declared as sourced figures (an incident's T+ offsets are computed
    from its UTC timestamps); what they don't is an explicit TODO, so `dsatlas check` rejects the page
    until every TODO is replaced. Exit status: 0 written, 1 page exists or facts file broken, 2 usage.
    """
    from ..loader import load_data
    from ..model import Kind
    from .kinds import SlugError
    from .scaffold import PageExists, scaffold, write_page

    if list_kinds:
        _list_kinds()
        return
    if kind is None or subject is None:
        _usage("give a KIND and a SUBJECT, e.g. `dsatlas new architecture netflix` (`dsatlas new --list` "
               "shows the kinds)")
    try:
        page_kind = Kind(kind)
    except ValueError:
        _usage(f"unknown kind {kind!r}; one of: {', '.join(k.value for k in Kind)}")
    atlas = _root(root)
    data = load_data(atlas)
    try:
        page = scaffold(atlas, data, page_kind, subject, view)
    except SlugError as err:
        _usage(str(err))
    if page.facts_path and not page.facts_found and (atlas / page.facts_path).exists():
        typer.echo(f"error: {page.facts_path} has errors, so nothing can be drawn from it:", err=True)
        for finding in data.findings:
            if finding.path == page.facts_path:
                typer.echo(f"  {finding.human()}", err=True)
        typer.echo("fix them (`dsatlas check data/` lists them all) and run this again", err=True)
        raise typer.Exit(1)
    if to_stdout:
        typer.echo(page.text, nl=False)
        return
    try:
        backup = write_page(atlas, page, force=force)
    except PageExists as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    _report_scaffold(page, backup, atlas)


def _list_kinds() -> None:
    from ..profiles import PROFILES, expected_id_pattern
    from .kinds import SPECS

    typer.echo("kind → page; facts the template draws on\n")
    for kind, spec in SPECS.items():
        prof = PROFILES[kind]
        path = expected_id_pattern(kind, "<subject>").replace("{view}", "<view>")
        views = f" (views: {', '.join(spec.views)})" if spec.views else ""
        gates = [name for name, on in (("planes", prof.planes), ("hardware", prof.hardware), ("cost", prof.cost))
                 if on]
        typer.echo(f"{kind.value:18} → content/{path}.md{views}")
        typer.echo(f"{'':18}   needs: {spec.needs}")
        typer.echo(f"{'':18}   sources ≥ {prof.min_sources}" + (f"; gates: {', '.join(gates)}" if gates else ""))


def _report_scaffold(page, backup: Path | None, atlas: Path) -> None:
    origin = (f"from {page.facts_path}" if page.facts_found and page.facts_path
              else "no facts file yet" if page.facts_path else "no facts file needed")
    typer.echo(f"wrote {page.rel_path} ({page.kind.value}, {origin}; {page.figures} sourced figure(s) drawn)")
    if backup is not None:
        typer.echo(f"kept the previous page as {backup.relative_to(atlas)}")
    if page.gaps:
        typer.echo("\nthe facts do not yet cover:")
        for gap in page.gaps:
            typer.echo(f"  - {gap}")
    todo = page.placeholders()
    typer.echo(f"\nfill next ({len(todo)} placeholder line(s); `dsatlas check` rejects the page until none "
               "is left):")
    for line, text in todo[:MAX_LISTED_PLACEHOLDERS]:
        typer.echo(f"  {page.rel_path}:{line}: {text[:100]}")
    if len(todo) > MAX_LISTED_PLACEHOLDERS:
        typer.echo(f"  … and {len(todo) - MAX_LISTED_PLACEHOLDERS} more")
    typer.echo(f"\nthen run: dsatlas check {page.rel_path}")
