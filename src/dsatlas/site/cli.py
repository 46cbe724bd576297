"""`dsatlas build` and `dsatlas serve`, registered on the main Typer app by dsatlas.cli."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from ..check import find_root
from .engines import ENGINES
from .render import RENDER_DEADLINE_S


def register(app: typer.Typer) -> None:
    app.command("build")(build)
    app.command("serve")(serve)


def build(
    out: Path | None = typer.Option(None, "--out", "-o", help="Folder for the HTML site (default: site/)."),
    engine: str = typer.Option("mkdocs", "--engine", help=f"{' or '.join(ENGINES)} (Zensical: see docs/site.md)."),
    draft: bool = typer.Option(False, "--draft", help="Build even when pages fail `dsatlas check`; each such "
                               "page shows its problems at the top. Never publish a draft."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Parallel checkers and diagram "
                                       "renderers (default: cores)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.001, help="Seconds one diagram may take to render."),
    render_deadline: float = typer.Option(RENDER_DEADLINE_S, "--render-deadline", min=0.001, help="Seconds "
                                          "the whole render stage may take, browser start included."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Check and render everything again."),
    root: Path | None = typer.Option(None, "--root", help="Atlas root (default: nearest folder above the "
                                        "current one with content/ or data/)."),
) -> None:
    """Build the offline site: every diagram pre-rendered to SVG, navigation, indexes and search.

    Strict: a page failing `dsatlas check`, a diagram that does not render, a broken link or an unknown
    `related` id fails the build with file:line. Output: site/ (open site/index.html, or `dsatlas serve`).
    Exit status: 0 built, 1 the atlas has problems (or the render passed --render-deadline), 2 usage error,
    missing Chromium/Mermaid, or a file system fault (disk full, read-only, a name too long).
    """
    from .build import default_options

    if engine not in ENGINES:
        _usage(f"--engine must be one of {', '.join(ENGINES)}")
    atlas_root = (root or find_root(Path.cwd())).resolve()
    options = default_options(atlas_root, strict=not draft, engine=engine, jobs=jobs, timeout_s=timeout,
                              render_deadline_s=render_deadline, use_cache=not no_cache)
    if out is not None:
        options.out = out.resolve()
    started = time.perf_counter()
    report = _run(options, lambda builder: builder.build())
    seconds = time.perf_counter() - started
    for line in report.warnings:
        typer.echo(f"warning: {line}", err=True)
    for finding in report.problems:
        typer.echo(f"draft: {finding.human()}", err=True)
    steps = ", ".join(f"{name} {value:.1f} s" for name, value in report.timings.items())
    typer.echo(f"built {report.pages} pages ({report.documents} files) into {_shown(options.out)} in "
               f"{seconds:.1f} s ({steps}): {report.rendered} diagram(s) rendered, {report.reused} from cache")
    if report.label_px:
        page_id, size = min(report.label_px.items(), key=lambda item: (item[1], item[0]))
        typer.echo(f"smallest diagram labels: {size:.1f} px on {page_id} (at least 11 px at the site's width)")


def serve(
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)."),
    strict: bool = typer.Option(False, "--strict", help="Refuse to show pages failing `dsatlas check` (as "
                                "`dsatlas build` does); by default they are shown with their problems."),
    engine: str = typer.Option("mkdocs", "--engine", help="mkdocs (rebuilds only what changed) or zensical "
                               "(rebuilds everything)."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Parallel checkers and renderers."),
    root: Path | None = typer.Option(None, "--root", help="Atlas root (default: nearest folder above the "
                                        "current one with content/ or data/)."),
) -> None:
    """Build the site and serve it, rebuilding what changed whenever content/ or data/ changes.

    Open pages reload themselves after each rebuild. A draft build is kept in .dsatlas-cache/serve/, so
    site/ only ever holds what `dsatlas build` published.
    """
    from .build import default_options
    from .serve import run_server, snapshot

    if engine not in ENGINES:
        _usage(f"--engine must be one of {', '.join(ENGINES)}")
    atlas_root = (root or find_root(Path.cwd())).resolve()
    work = atlas_root / ".dsatlas-cache" / "serve"
    options = default_options(atlas_root, out=work / "site", tree=work / "site-src", strict=strict,
                              engine=engine, jobs=jobs, live_reload=True, defer_render=True)
    from .build import SiteBuilder

    builder = SiteBuilder(options)
    try:
        seen = snapshot(atlas_root)
        first = _run(options, lambda _: builder.build(), builder=builder)
        waiting = f"; {first.pending} diagram(s) to draw, their pages show a placeholder until then" \
            if first.pending else ""
        typer.echo(f"built {first.pages} pages in {sum(first.timings.values()):.1f} s{waiting}", err=True)
        run_server(builder, host, port, echo=lambda line: typer.echo(line, err=True), seen=seen)
    except OSError as err:
        typer.echo(f"error: cannot listen on {host}:{port}: {err.strerror or err}", err=True)
        raise typer.Exit(2) from None
    finally:
        builder.close()


def _run(options, action, builder=None):
    """Run a build step, turning its failures into messages and exit codes (never a traceback)."""
    from ..engine import EngineUnavailable
    from ..util import os_error_message
    from .build import BuildFailed, SiteBuilder
    from .render import RendererUnavailable

    progress, finish = _progress()
    options.progress = progress
    own = builder is None
    builder = builder or SiteBuilder(options)
    try:
        return action(builder)
    except BuildFailed as err:
        finish()
        for finding in err.findings:
            typer.echo(finding.human(), err=True)
        for line in err.lines:
            typer.echo(f"  {line}", err=True)
        count = len(err.findings) or len(err.lines)
        typer.echo(f"build failed: {err}" + (f" ({count} problem(s) above)" if count else ""), err=True)
        raise typer.Exit(1) from None
    except (RendererUnavailable, EngineUnavailable) as err:
        finish()
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    except OSError as err:  # disk full, read-only or unreadable folder, a name too long: nothing was published
        finish()
        typer.echo(f"build failed: {os_error_message(err)} ({_shown(options.out)} still holds the last good "
                   "build)", err=True)
        raise typer.Exit(2) from None
    finally:
        finish()
        if own:
            builder.close()


def _progress():
    """One transient progress bar per long stage, on a terminal only."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from ..cli import _progress_bar

    state: dict = {"stage": None, "update": None, "finish": lambda: None}

    def update(stage: str, done: int, total: int) -> None:
        if stage != state["stage"]:
            state["finish"]()
            state["update"], state["finish"] = _progress_bar(stage)
            state["stage"] = stage
        if state["update"]:
            state["update"](done, total)

    def finish() -> None:
        state["finish"]()
        state["finish"] = lambda: None
        state["stage"] = None

    return update, finish


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _usage(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
