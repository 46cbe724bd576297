"""The authoring commands: `dsatlas new`, `dsatlas sources …` and `dsatlas progress`.

`dsatlas.cli` calls `register(app)` when this module exists; each command's docstring is its --help.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

MAX_LISTED_PLACEHOLDERS = 30

sources_app = typer.Typer(
    help="The sources database (data/sources/): list records, find unused, missing and stale ones, check links.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.add_typer(sources_app, name="sources")
    app.command("progress")(progress)


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

    The page is written atomically where the kind's profile says, e.g. content/systems/<company>/<kind>.md.

    What the facts know is drawn and declared as sourced figures (incident T+ offsets come from UTC timestamps).

    What they don't is an explicit TODO, so `dsatlas check` rejects the page until an author writes it.

    Exit status: 0 written, 1 page exists or facts file broken, 2 usage error.
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
        page = scaffold(data, page_kind, subject, view)
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
    from ..gates import all_rules
    from ..profiles import PROFILES

    typer.echo("kind → page; facts the template draws on\n")
    for kind, prof in PROFILES.items():
        path = prof.page_id("<subject>", prof.fixed_view or "<view>")
        views = f" (views: {', '.join(prof.views)})" if len(prof.views) > 1 else ""
        gates = sorted({rule.gate for rule in all_rules() if rule.applies.test is not None and rule.applies(prof)})
        typer.echo(f"{kind.value:18} → content/{path}.md{views}")
        typer.echo(f"{'':18}   needs: {prof.needs}")
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


# ---- dsatlas sources ------------------------------------------------------------------------------

FORMAT_OPTION = typer.Option("human", "--format", "-f", help="human or json.")


def _sources_state(root: Path | None):
    from ..loader import load_data
    from .citations import citations, load_documents

    atlas = _root(root)
    data = load_data(atlas)
    documents, problems = load_documents(atlas)
    for problem in problems:
        typer.echo(f"warning: {problem.path}:{problem.line}: {problem.message} (its citations are not counted)",
                   err=True)
    return atlas, data, citations(documents), documents


def _check_format(fmt: str) -> None:
    if fmt not in ("human", "json"):
        _usage("--format must be human or json")


def _emit_json(payload: object) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@sources_app.command("list")
def sources_list(fmt: str = FORMAT_OPTION, root: Path | None = ROOT_OPTION) -> None:
    """Every source record: type, date, publisher, how many places cite it, and its last link check."""
    from .links import LinkCache

    _check_format(fmt)
    atlas, data, cited, _ = _sources_state(root)
    counts: dict[str, int] = {}
    for citation in cited:
        counts[citation.source] = counts.get(citation.source, 0) + 1
    links = LinkCache(atlas).entries
    records = []
    for source_id, source in sorted(data.sources.items()):
        link = links.get(str(source.url))
        records.append({
            "id": source_id, "type": source.type, "published": source.published, "publisher": source.publisher,
            "url": str(source.url), "cited": counts.get(source_id, 0),
            "link": None if link is None else {"status": link.status, "verdict": link.verdict,
                                               "checked": link.checked},
        })
    if fmt == "json":
        _emit_json(records)
        return
    rows = [[r["id"], r["type"], r["published"], str(r["cited"]),
             "not checked" if r["link"] is None else
             f"{r['link']['status'] or 'no answer'} {r['link']['verdict']} ({r['link']['checked'][:10]})"]
            for r in records]
    _table(rows, ["id", "type", "published", "cited", "link"])
    typer.echo(f"\n{len(records)} source(s)")


@sources_app.command("unused")
def sources_unused(fmt: str = FORMAT_OPTION, root: Path | None = ROOT_OPTION) -> None:
    """Source records that no page, figure or facts file cites. Exit 1 when there are any."""
    _check_format(fmt)
    _, data, cited, _ = _sources_state(root)
    used = {citation.source for citation in cited}
    unused = sorted(set(data.sources) - used)
    if fmt == "json":
        _emit_json(unused)
    else:
        for source_id in unused:
            typer.echo(f"data/sources/{source_id}.yaml: {source_id} is cited nowhere: cite it or delete it")
        typer.echo(f"{len(unused)} unused source(s) of {len(data.sources)}")
    raise typer.Exit(1 if unused else 0)


@sources_app.command("missing")
def sources_missing(fmt: str = FORMAT_OPTION, root: Path | None = ROOT_OPTION) -> None:
    """Pages, figures and facts that cite a source id with no valid data/sources/<id>.yaml. Exit 1 if any."""
    _check_format(fmt)
    atlas, data, cited, _ = _sources_state(root)
    missing = [citation for citation in cited if citation.source not in data.sources]
    if fmt == "json":
        _emit_json([{"path": c.path, "line": c.line, "col": c.col, "where": c.where, "source": c.source}
                    for c in missing])
    else:
        for citation in missing:
            record = f"data/sources/{citation.source}.yaml"
            fix = (f"{record} exists but fails validation: `dsatlas check {record}`" if (atlas / record).exists()
                   else f"add {record} or fix the id")
            typer.echo(f"{citation.path}:{citation.line}:{citation.col}: {citation.where} cites unknown source "
                       f"{citation.source!r}: {fix}")
        typer.echo(f"{len(missing)} citation(s) of unknown sources")
    raise typer.Exit(1 if missing else 0)


@sources_app.command("stale")
def sources_stale(
    years: int = typer.Option(5, "--years", min=1, help="Flag figures whose as_of is older than this."),
    today: str | None = TODAY_OPTION,
    fmt: str = FORMAT_OPTION,
    root: Path | None = ROOT_OPTION,
) -> None:
    """Figures, company facts and pages whose as_of is more than N years old (default 5). Exit 1 if any.

    A partial date counts from its end: as_of 2021 is stale only once 2021-12-31 is N years ago.

    Incident and scale-evolution pages draw the past on purpose and are left out.
    """
    from .citations import dated_items, stale_items

    _check_format(fmt)
    day = _today(today)
    _, _, _, documents = _sources_state(root)
    stale = stale_items(dated_items(documents), day, years)
    if fmt == "json":
        _emit_json([{"path": s.path, "line": s.line, "col": s.col, "what": s.what, "as_of": s.as_of,
                     "source": s.source} for s in stale])
    else:
        for item in stale:
            source = f" (source: {item.source})" if item.source else ""
            typer.echo(f"{item.path}:{item.line}:{item.col}: {item.what}: as_of {item.as_of} is more than {years} "
                       f"year(s) old{source}: find a newer figure, or say on the page that it is historical")
        typer.echo(f"{len(stale)} item(s) older than {years} year(s) (as of {day.isoformat()})")
    raise typer.Exit(1 if stale else 0)


@sources_app.command("check-links")
def sources_check_links(
    only: list[str] = typer.Option(None, "--only", metavar="ID", help="Check only these source ids "
                                   "(repeatable)."),
    interval: float = typer.Option(1.0, "--interval", min=0.0, help="Seconds between two requests to the "
                                   "same host."),
    retries: int = typer.Option(2, "--retries", min=0, help="Retries after a timeout, 429 or 5xx."),
    timeout: float = typer.Option(15.0, "--timeout", min=0.1, help="Seconds one answer may take in all (a "
                                  "server that trickles it is cut off)."),
    backoff: float = typer.Option(1.0, "--backoff", min=0.0, help="Seconds before the first retry; doubles "
                                  "with each retry (a server's Retry-After, up to 30 s, wins)."),
    max_age: float = typer.Option(7.0, "--max-age", min=0.0, help="Reuse answers younger than this many days."),
    refresh: bool = typer.Option(False, "--refresh", help="Ask every URL again, ignoring the cache."),
    deadline: float = typer.Option(600.0, "--deadline", min=0.0, help="Start no new request after this many "
                                   "seconds; URLs not reached are reported unchecked."),
    allow_host: list[str] = typer.Option(None, "--allow-host", metavar="HOST", hidden=True, help="Ask this "
                                         "host even if it is loopback or link-local (for tests against a local "
                                         "server; repeatable)."),
    fmt: str = FORMAT_OPTION,
    root: Path | None = ROOT_OPTION,
) -> None:
    """Check every source URL over HTTP; record status and date in the cache (.dsatlas-cache/store.sqlite).

    Requests to one host are spaced by --interval; different hosts are checked in parallel. Only http(s)
    URLs are asked, and redirects are followed only to http(s) hosts that are not loopback or link-local.

    'blocked' (401, 403, 429): the server answered but refuses robots; open the link in a browser.

    Exit status: 1 if a link is broken or was left unchecked by --deadline.
    """
    from ..cli import _progress_bar
    from ..loader import load_data
    from .links import LinkCache, check_links

    _check_format(fmt)
    atlas = _root(root)
    sources = load_data(atlas).sources
    unknown = sorted(set(only or []) - set(sources))
    if unknown:
        _usage(f"no source record for: {', '.join(unknown)}")
    chosen = {source_id: str(record.url) for source_id, record in sorted(sources.items())
              if not only or source_id in only}
    cache = LinkCache(atlas)
    before = dict(cache.entries)
    update, finish = _progress_bar("Checking links")
    try:
        results = check_links(list(chosen.values()), cache, interval=interval, retries=retries, timeout=timeout,
                              backoff=backoff, max_age_days=max_age, refresh=refresh, progress=update,
                              deadline=deadline, allow_hosts=frozenset(allow_host or []))
    finally:
        finish()
    rows = [{"id": source_id, "url": url, **{k: getattr(results[url], k) for k in
                                             ("status", "verdict", "checked", "final_url", "error", "attempts")},
             "cached": before.get(url) is results[url]}
            for source_id, url in chosen.items()]
    broken = [row for row in rows if row["verdict"] in ("broken", "unchecked")]
    if fmt == "json":
        _emit_json(rows)
    else:
        for row in rows:
            if row["verdict"] != "ok":
                detail = row["error"] or f"HTTP {row['status']}"
                typer.echo(f"{row['verdict']:7} {row['id']}: {detail} — {row['url']}")
        counts = {verdict: sum(1 for row in rows if row["verdict"] == verdict) for verdict in ("ok", "blocked",
                                                                                            "broken", "unchecked")}
        unchecked = f", {counts['unchecked']} unchecked" if counts["unchecked"] else ""
        cached = sum(1 for row in rows if row["cached"])
        typer.echo(f"{len(rows)} link(s): {counts['ok']} ok, {counts['blocked']} blocked, {counts['broken']} broken"
                   f"{unchecked} ({cached} from the cache; results in {cache.path.relative_to(atlas)})")
    raise typer.Exit(1 if broken else 0)


# ---- dsatlas progress -----------------------------------------------------------------------------


def progress(
    fmt: str = typer.Option("human", "--format", "-f", help="human, json, or markdown (the dashboard page "
                            "with inline SVG charts)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file (atomically) instead of "
                                    "printing."),
    today: str | None = TODAY_OPTION,
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes for the check."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Check every page again; ignore the cache."),
    root: Path | None = ROOT_OPTION,
) -> None:
    """Progress against data/plan.yaml: planned, written and passing pages, quality, velocity, projection.

    Written pages fill the plan's slots by path; passing means no error from `dsatlas check`.

    Quality is the share of (page, applicable gate) checks that pass.

    Velocity counts each page in the ISO week it first landed in git; pace, trend and projection follow.

    Exit status: 0, or 2 on a usage or plan error.
    """
    from ..cli import _progress_bar
    from ..engine import EngineUnavailable
    from ..util import write_atomic
    from .plan import PlanError
    from .progress import build_report, render_dashboard, render_human

    if fmt not in ("human", "json", "markdown"):
        _usage("--format must be human, json or markdown")
    day = _today(today)
    atlas = _root(root)
    update, finish = _progress_bar("Checking")
    try:
        report = build_report(atlas, today=day, jobs=jobs, use_cache=not no_cache, progress=update)
    except PlanError as err:
        finish()
        typer.echo(f"error: the plan cannot be read:\n{err}", err=True)
        raise typer.Exit(2) from None
    except EngineUnavailable as err:
        finish()
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    finish()
    if fmt == "json":
        text = json.dumps(report.to_json(), indent=2) + "\n"
    elif fmt == "markdown":
        text = render_dashboard(report)
    else:
        text = render_human(report) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
        typer.echo(f"wrote {out}")
