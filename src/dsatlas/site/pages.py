"""Compile one content page into the Markdown the engine renders.

What a reader gets, in order: breadcrumbs, the title, the summary and an "as of" line, the author's
text with the diagram replaced by its pre-rendered SVG, the 3 AM section (drawn from the page's
failure modes and their signals, see threeam.py), then a generated *Sources & figures* table (every
number on the diagram: meaning, source and locator, date, confidence, operator and historical marks), the
source list, and related pages (declared `related` first, then pages sharing tags).
"""

from __future__ import annotations

import heapq
import html
from dataclasses import dataclass, field

from ..loader import Data
from ..model import figure_is_historical
from ..profiles import PROFILES
from . import markup, threeam
from .catalog import SitePage
from .tree import Folder, ancestors

CONFIDENCE = {
    "A": "A — stated by a primary source",
    "B": "B — derived (from a date, by arithmetic) or from news",
    "C": "C — estimate",
}
RELATED_LIMIT = 6


@dataclass
class PageContext:
    """What a page needs from the rest of the atlas."""

    data: Data
    tree: Folder
    pages: dict[str, SitePage]
    tags: dict[str, list[str]]  # tag → page ids
    figures: dict[str, str] = field(default_factory=dict)  # page id → the diagram's <figure> HTML
    problems: dict[str, list[str]] = field(default_factory=dict)  # page id → findings (draft builds)


def figure_html(svg: str, title: str) -> str:
    """The diagram as one raw-HTML block line: Markdown passes it through untouched.

    `data-search-exclude` keeps diagram labels out of the search index; search finds pages by what
    the diagram means (the figures table), not by its drawing.
    """
    return (f'<figure class="dsatlas-diagram" data-search-exclude aria-label="{markup.attribute(title)}">'
            f"{svg}</figure>")


def failed_figure_html(message: str) -> str:
    return (f'<figure class="dsatlas-diagram dsatlas-diagram--failed" data-search-exclude>'
            f"<pre>{markup.attribute(message)}</pre></figure>")


def page_markdown(page: SitePage, ctx: PageContext) -> str:
    doc = markup.page_doc(page.id)
    meta = page.meta
    front = ["---", f"title: {_yaml_string(meta.title)}", f"description: {_yaml_string(meta.summary)}",
             "hide: [toc]"]  # the diagram takes the table of contents' width (dsatlas.css)
    if meta.tags:
        front.append("tags: [" + ", ".join(meta.tags) + "]")
    front.append("---")
    lead = [f"*{markup.text(meta.summary)}*", "", _as_of_line(page, ctx, doc)]
    problems = ctx.problems.get(page.id)
    if problems:
        lead += ["", '!!! failure "Draft: this page does not pass `dsatlas check`"', ""]
        lead += [f"    - {markup.text(problem)}" for problem in problems]
    body = _body_with_figure(page, ctx.figures.get(page.id))
    body = _insert_after_title(body, page, lead)
    parts = ["\n".join(front), _breadcrumbs(page, ctx.tree, doc), body.rstrip()]
    incident = ctx.data.incidents.get(meta.subject) if PROFILES[meta.kind].facts == "incident" else None
    parts.append("\n".join(threeam.section(meta, ctx.data, incident)))
    parts.append("\n".join(_sources_and_figures(page, ctx.data)))
    related = _related(page, ctx, doc)
    if related:
        parts.append("\n".join(related))
    return "\n\n".join(parts) + "\n"


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _breadcrumbs(page: SitePage, tree: Folder, doc: str) -> str:
    crumbs = [f"[{markup.text(folder.title)}]({markup.link(doc, markup.folder_doc(folder.path))})"
              for folder in ancestors(tree, page.folder)]
    return " › ".join(crumbs) + "\n{: .dsatlas-breadcrumbs }"


def _as_of_line(page: SitePage, ctx: PageContext, doc: str) -> str:
    meta = page.meta
    parts = [f"**As of** {meta.as_of}"]
    dates = sorted(figure.as_of for figure in meta.figures)
    if dates:
        span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
        parts.append(f"figures dated {span}")
    parts.append(f"**Kind** {meta.kind.value}")
    if meta.tags:
        tags_doc = markup.link(doc, "tags.md")
        parts.append("**Tags** " + ", ".join(f"[{tag}]({tags_doc}#tag-{tag})" for tag in meta.tags))
    return " · ".join(parts) + "\n{: .dsatlas-asof }"


def _body_with_figure(page: SitePage, figure: str | None) -> str:
    lines = page.body.split("\n")
    fence = page.diagram
    if fence is None or fence.end_line is None:
        return page.body
    start, end = fence.start_line - page.body_line, fence.end_line - page.body_line
    replacement = figure or failed_figure_html("The diagram was not rendered.")
    return "\n".join(lines[:start] + ["", replacement, ""] + lines[end + 1 :])


def _insert_after_title(body: str, page: SitePage, lead: list[str]) -> str:
    """Put the summary and as-of line under the page's `# Title` (adding the title when missing).

    `body` is the page body with the diagram replaced by three lines (_body_with_figure)."""
    lines = body.split("\n")
    title = page.document.first_heading(1)
    if title is not None:
        index = title.last_line - page.body_line
        fence = page.diagram
        if fence is not None and fence.end_line is not None and title.line > fence.end_line:
            index -= (fence.end_line - fence.start_line + 1) - 3
        return "\n".join(lines[: index + 1] + ["", *lead, ""] + lines[index + 1 :])
    return "\n".join([f"# {markup.text(page.meta.title)}", "", *lead, "", *lines])


def _sources_and_figures(page: SitePage, data: Data) -> list[str]:
    """The figures table as one raw-HTML block: it links only to sources outside the atlas, so nothing
    in it needs the engine, and skipping Markdown's inline pass over ~5 cells × every figure is what
    keeps a 900-page build inside its time budget."""
    meta = page.meta
    out = ["## Sources & figures", ""]
    if meta.figures:
        rows = []
        for figure in meta.figures:
            meaning = html.escape(figure.means, quote=False)
            if figure.operator:
                meaning = f'<span class="dsatlas-operator">{figure.operator}</span> ' + meaning
            if figure.formula:
                meaning += f" <em>(= {html.escape(figure.formula, quote=False)})</em>"
            if figure.note:
                meaning += f" <em>({html.escape(figure.note, quote=False)})</em>"
            cited = _source_link(figure.source, data)
            if figure.locator:
                cited += f" — {html.escape(figure.locator, quote=False)}"
            date = figure.as_of
            if figure_is_historical(figure.as_of, meta.as_of):
                date += ' <span class="dsatlas-historical">historical</span>'
            rows.append([f"<strong>{html.escape(figure.label, quote=False)}</strong>", meaning, cited, date,
                         CONFIDENCE[figure.confidence]])
        out.append(markup.html_table(["Figure", "Meaning", "Source", "Date", "Confidence"], rows))
    else:
        out.append("This diagram draws no figures.")
    out += ["", "**Sources**", ""]
    for number, source_id in enumerate(meta.sources, 1):
        source = data.sources.get(source_id)
        if source is None:
            out.append(f"{number}. {markup.text(source_id)} (no record in data/sources/)")
            continue
        via = f", read via <{source.read_via}>" if source.read_via else ""
        out.append(f"{number}. [{markup.text(source.title)}]({source.url}) — {markup.text(source.publisher)}, "
                   f"{source.type}, published {source.published}, accessed {source.accessed}{via}")
    return out


def _source_link(source_id: str, data: Data) -> str:
    source = data.sources.get(source_id)
    if source is None:
        return html.escape(source_id)
    return (f'<a href="{markup.attribute(str(source.url))}">{html.escape(source.title, quote=False)}</a> '
            f"({html.escape(source.publisher, quote=False)}, {source.published})")


def related_ids(page: SitePage, ctx: PageContext) -> list[str]:
    """Declared related pages first, then pages sharing the most tags (same folder breaks ties)."""
    chosen = [item for item in page.meta.related if item in ctx.pages and item != page.id]
    shared: dict[str, int] = {}
    for tag in page.meta.tags:
        for other in ctx.tags.get(tag, []):
            if other != page.id and other not in chosen:
                shared[other] = shared.get(other, 0) + 1
    folder = page.folder
    wanted = max(RELATED_LIMIT - len(chosen), 0)
    ranked = heapq.nsmallest(wanted, shared, key=lambda other: (-shared[other], ctx.pages[other].folder != folder,
                                                                other))
    return chosen + ranked


def _related(page: SitePage, ctx: PageContext, doc: str) -> list[str]:
    ids = related_ids(page, ctx)
    if not ids:
        return []
    out = ["## Related pages", ""]
    for other_id in ids:
        other = ctx.pages[other_id]
        out.append(f"- [{markup.text(other.meta.title)}]({markup.link(doc, markup.page_doc(other_id))}) — "
                   f"{markup.text(other.meta.summary)}")
    return out
