"""Where `dsatlas serve`'s rebuild spends its time: each stage of a one-page edit and of a new page.

Builds a generated atlas (bench/site_atlas.py), keeps one `SiteBuilder` as `dsatlas serve` does (draft,
in place, automatic cycle collection off), then saves edits and times each step of `rebuild()` by
wrapping the functions that make it up: the check, the page catalog, the compile steps (each page's
inputs and Markdown, the open-data files, the generated indexes, the tree), the diagram step and the
engine's steps (read and key the documents, navigation contexts, render, write, search index). Times
are per rebuild, averaged over the edits after the first (the first in-place rebuild also loads the
config with the site's own folder); the first is printed too.

    .venv/bin/python bench/serve_stages.py [--pages 900] [--edits 6] [--atlas DIR]

Use it before and after a change to the rebuild: bench/site_build.py measures the end-to-end time.
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from site_atlas import build_atlas, make_page  # noqa: E402

TIMES: dict[str, float] = defaultdict(float)


def timed(owner, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that adds its wall time to TIMES[label]."""
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def instrument() -> None:
    import mkdocs.commands.build as mkdocs_build
    import mkdocs.structure.files as mkdocs_files
    import mkdocs.structure.nav as mkdocs_nav
    from material.plugins.search import plugin as search

    from dsatlas.site import build, pagebuild
    from dsatlas.site.catalog import PageCatalog

    stages = [  # (where the function is looked up when called, its name, what it does)
        (build, "run_check", "check: dsatlas check (cached)"),
        (PageCatalog, "load", "check+load: page catalog"),
        (build.SiteBuilder, "_render", "render: diagrams from memory/store"),
        (build, "page_inputs", "compile: each page's inputs"),
        (build, "related_index", "compile: related pages ranked"),
        (build, "compile_page", "compile: Markdown of changed pages"),
        (build, "site_documents", "compile: open-data files"),
        (build, "_index_documents", "compile: generated index pages"),
        (build.SiteBuilder, "_write_tree", "compile: write the tree"),
        (mkdocs_files, "get_files", "engine: MkDocs lists the documents"),
        (mkdocs_nav, "get_navigation", "engine: MkDocs navigation"),
        (pagebuild, "_populate", "engine: read, key and restore each page's body"),
        (pagebuild, "navigation_context", "engine: navigation context of each page"),
        (pagebuild, "_render_one", "engine: render changed pages (Jinja; this process's share)"),
        (pagebuild, "_write_pages", "engine: write changed pages"),
        (mkdocs_build, "_build_theme_template", "engine: sitemap and 404"),
        (mkdocs_files.Files, "copy_static_files", "engine: static files"),
        (search.SearchPlugin, "on_post_build", "engine: search index written"),
        (pagebuild, "engine_digest", "engine: config digest"),
    ]
    for owner, name, label in stages:
        timed(owner, name, label)


def rebuild_once(builder) -> tuple[float, dict[str, float]]:
    TIMES.clear()
    started = time.perf_counter()
    report = builder.rebuild()
    wall = time.perf_counter() - started
    stages = dict(TIMES)
    stages.update({f"[{name}]": value for name, value in report.timings.items()})
    return wall, stages


def show(title: str, wall: float, stages: dict[str, float]) -> None:
    print(f"\n{title}: {wall * 1000:.0f} ms")
    for name, value in sorted(stages.items(), key=lambda item: -item[1]):
        if value >= 0.001:
            print(f"  {value * 1000:7.1f} ms  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=900)
    parser.add_argument("--edits", type=int, default=6)
    parser.add_argument("--atlas", type=Path, help="an atlas to use (default: a generated one in a temporary folder)")
    args = parser.parse_args()
    instrument()
    from dsatlas.site.build import SiteBuilder, default_options

    root = args.atlas or Path(tempfile.mkdtemp(prefix="dsatlas-serve-stages-")) / "atlas"
    pages = sorted((root / "content").rglob("*.md")) if args.atlas else build_atlas(root, args.pages)
    work = root / ".dsatlas-cache" / "serve"
    builder = SiteBuilder(default_options(root, out=work / "site", tree=work / "site-src", strict=False,
                                          live_reload=True, defer_render=True))
    started = time.perf_counter()
    builder.build()
    print(f"{len(pages)} pages; first build {time.perf_counter() - started:.1f} s (serve's, diagrams deferred)")
    gc.disable()  # as `dsatlas serve` does (serve._IdleCollector)
    try:
        walls, totals = [], defaultdict(float)
        for number in range(args.edits):
            page = pages[(number * 37 + 5) % len(pages)]
            text = page.read_text()
            marker = "Two sentences of context"  # in every generated page's prose
            page.write_text(text.replace(marker, f"Edited, take {number}. {marker}", 1))
            wall, stages = rebuild_once(builder)
            if number == 0:
                show("first edit", wall, stages)
            else:
                walls.append(wall)
                for name, value in stages.items():
                    totals[name] += value / (args.edits - 1)
            page.write_text(text)
            builder.rebuild()
            gc.collect()
        show(f"one-page edit, mean of {len(walls)} (each: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms)",
             sum(walls) / len(walls), totals)
        beside = next(page for page in reversed(pages) if page.relative_to(root / "content").parts[0]
                      not in ("systems", "guarantees"))
        new = beside.with_name(f"added-{time.time_ns()}.md")  # never cached: the engine renders its section
        kind = re.search(r"^kind: (.*)$", beside.read_text(), re.M).group(1)
        new.write_text(make_page(len(pages), beside.parent.name, random.Random(1)).replace(
            "kind: KIND\n", f"kind: {kind}\n", 1))
        wall, stages = rebuild_once(builder)
        show("a new page (the navigation changes)", wall, stages)
        new.unlink()
        builder.rebuild()
    finally:
        gc.enable()
        builder.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
