"""Compile one content page into the Markdown the engine renders.

What a reader gets, in order: breadcrumbs, the title, the summary and an "as of" line, the author's
text with the diagram replaced by its pre-rendered SVG, the 3 AM section (drawn from the page's
failure modes and their signals, see threeam.py), then a generated *Sources & figures* table (every
number on the diagram: meaning, source and locator, date, confidence, operator and historical marks), the
source list, and related pages (declared `related` first, then pages sharing tags).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from .. import safe
from ..gates import prose_safety
from ..loader import Data
from ..model import figure_is_historical
from ..opendata import page_json_doc
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
PROSE_SAFETY_CODES = frozenset(rule.code for rule in prose_safety.RULES)


@dataclass
class PageContext:
    """What a page needs from the rest of the atlas."""

    data: Data
    tree: Folder
    pages: dict[str, SitePage]
    tags: dict[str, list[str]]  # tag → page ids
    figures: dict[str, str] = field(default_factory=dict)  # page id → the diagram's <figure> HTML
    problems: dict[str, list[str]] = field(default_factory=dict)  # page id → findings (draft builds)
    refused: set[str] = field(default_factory=set)  # ids of pages whose prose `dsatlas check` refused (drafts)
    related: dict[str, list[str]] = field(default_factory=dict)  # page id → related pages shown (related_index)


def figure_html(svg: str, title: str) -> str:
    """The diagram as one raw-HTML block line: Markdown passes it through untouched.

    `data-search-exclude` keeps diagram labels out of the search index; search finds pages by what
    the diagram means (the figures table), not by its drawing.
    """
    return (f'<figure class="dsatlas-diagram" data-search-exclude aria-label="{safe.attribute(title)}">'
            f"{svg}</figure>")


def failed_figure_html(message: str) -> str:
    return (f'<figure class="dsatlas-diagram dsatlas-diagram--failed" data-search-exclude>'
            f"<pre>{safe.attribute(message)}</pre></figure>")


PENDING_FIGURE = "This diagram is still being drawn: `dsatlas serve` draws the diagrams in the background and " \
    "this page reloads by itself when it is ready."


def pending_figure_html() -> str:
    """A marked placeholder while `dsatlas serve` draws the diagram (the same text on every page, so a page
    is rendered again only when its own diagram arrives)."""
    return (f'<figure class="dsatlas-diagram dsatlas-diagram--pending" data-search-exclude role="status">'
            f"<p>{safe.text(PENDING_FIGURE)}</p></figure>")


@dataclass(frozen=True)
class PageInputs:
    """Everything a page's Markdown is made from besides the page itself and `data`: two pages compiled
    from equal inputs are the same text, so `dsatlas serve` compiles again only the pages whose inputs
    changed (a new page changes the pages that list it as related, not all 900)."""

    data: str  # the data's digest: the sources, signals and facts the page shows
    figure: str | None  # the diagram's <figure> HTML
    problems: tuple[str, ...]  # a draft's findings, shown on the page
    refused: bool  # its prose was refused (a draft): shown as text
    crumbs: tuple[tuple[str, str], ...]  # (path, title) of each folder from the root down to the page's
    related: tuple[tuple[str, str, str], ...]  # (id, title, summary) of each related page shown


def page_inputs(page: SitePage, ctx: PageContext) -> PageInputs:
    related = tuple((other, ctx.pages[other].meta.title, ctx.pages[other].meta.summary)
                    for other in ctx.related.get(page.id, ()))
    return PageInputs(data=ctx.data.digest, figure=ctx.figures.get(page.id),
                      problems=tuple(ctx.problems.get(page.id, ())), refused=page.id in ctx.refused,
                      crumbs=tuple((folder.path, folder.title) for folder in ancestors(ctx.tree, page.folder)),
                      related=related)


def compile_page(page: SitePage, inputs: PageInputs, data: Data) -> str:
    """The page's Markdown for the engine, from the page, its inputs and the data they were taken with."""
    doc = markup.page_doc(page.id)
    meta = page.meta
    lead = [f"*{safe.text(meta.summary)}*", "", _as_of_line(page, doc)]
    if inputs.problems:
        lead += ["", '!!! failure "Draft: this page does not pass `dsatlas check`"', ""]
        lead += [f"    - {safe.text(problem)}" for problem in inputs.problems]
    body = _author_body(page, inputs.figure, lead, sanitise=inputs.refused)
    front = markup.front_matter(meta.title, meta.summary, meta.tags, hide=["toc"])  # the diagram takes the toc's width
    crumbs = [f"[{safe.text(title)}]({markup.link(doc, markup.folder_doc(path))})" for path, title in inputs.crumbs]
    parts = [front, " › ".join(crumbs) + "\n{: .dsatlas-breadcrumbs }", body.rstrip()]
    incident = data.incidents.get(meta.subject) if PROFILES[meta.kind].facts == "incident" else None
    parts.append("\n".join(threeam.section(meta, data, incident)))
    parts.append("\n".join(_sources_and_figures(page, data)))
    if inputs.related:
        parts.append("\n".join(["## Related pages", ""] + [
            f"- [{safe.text(title)}]({markup.link(doc, markup.page_doc(other))}) — {safe.text(summary)}"
            for other, title, summary in inputs.related]))
    return "\n\n".join(parts) + "\n"


def _as_of_line(page: SitePage, doc: str) -> str:
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
    parts.append(f"**Data** [this page as JSON]({markup.link(doc, page_json_doc(page.id))})")
    return " · ".join(parts) + "\n{: .dsatlas-asof }"


def _author_body(page: SitePage, figure: str | None, lead: list[str], sanitise: bool) -> str:
    """The author's text with the lead under its `# Title` and the diagram replaced by its figure.

    Prose carrying a construct `dsatlas check` refused (ATL103/ATL104, which no waiver silences: so only
    in a draft) does not reach the engine as Markdown: it is rendered and passed through nh3's
    allow-list (`safe.prose`). The check already found it, so a strict build pays nothing for this.
    """
    lines = page.body.split("\n")
    fence = page.diagram
    span = None if fence is None or fence.end_line is None else (fence.start_line - page.body_line,
                                                                  fence.end_line - page.body_line)
    figure_lines = ["", figure or failed_figure_html("The diagram was not rendered."), ""]
    title = page.document.first_heading(1)
    heading = [f"# {safe.text(page.meta.title)}", "", *lead, ""]
    if sanitise:
        if title is not None:  # the generated `# Title` stands in for the author's
            for index in range(title.line - page.body_line, title.last_line - page.body_line + 1):
                lines[index] = ""
        if span is None:
            return "\n".join([*heading, safe.prose("\n".join(lines))])
        before, after = "\n".join(lines[: span[0]]), "\n".join(lines[span[1] + 1 :])
        return "\n".join([*heading, safe.prose(before), *figure_lines, *([safe.prose(after)] if after.strip() else [])])
    edits = [] if span is None else [(span[0], span[1] + 1, figure_lines)]
    if title is not None:
        below = title.last_line - page.body_line + 1
        edits.append((below, below, ["", *lead, ""]))
    for begin, stop, new in sorted(edits, reverse=True):  # the later edit first: earlier indexes stay right
        lines[begin:stop] = new
    return "\n".join(lines if title is not None else [*heading, *lines])




def _sources_and_figures(page: SitePage, data: Data) -> list[str]:
    """The figures table as one raw-HTML block: it links only to sources outside the atlas, so nothing
    in it needs the engine, and skipping Markdown's inline pass over ~5 cells × every figure is what
    keeps a 900-page build inside its time budget."""
    meta = page.meta
    out = ["## Sources & figures", ""]
    if meta.figures:
        rows = []
        for figure in meta.figures:
            meaning = safe.html(figure.means)
            if figure.operator:
                meaning = f'<span class="dsatlas-operator">{figure.operator}</span> ' + meaning
            if figure.formula:
                meaning += f" <em>(= {safe.html(figure.formula)})</em>"
            if figure.note:
                meaning += f" <em>({safe.html(figure.note)})</em>"
            cited = _source_link(figure.source, data)
            if figure.locator:
                cited += f" — {safe.html(figure.locator)}"
            date = figure.as_of
            if figure_is_historical(figure.as_of, meta.as_of):
                date += ' <span class="dsatlas-historical">historical</span>'
            rows.append([f"<strong>{safe.html(figure.label)}</strong>", meaning, cited, date,
                         CONFIDENCE[figure.confidence]])
        out.append(markup.html_table(["Figure", "Meaning", "Source", "Date", "Confidence"], rows))
    else:
        out.append("This diagram draws no figures.")
    out += ["", "**Sources**", ""]
    for number, source_id in enumerate(meta.sources, 1):
        source = data.sources.get(source_id)
        if source is None:
            out.append(f"{number}. {safe.text(source_id)} (no record in data/sources/)")
            continue
        via = f", read via <{safe.url(source.read_via)}>" if source.read_via else ""
        out.append(f"{number}. {safe.markdown_link(source.title, source.url)} — {safe.text(source.publisher)}, "
                   f"{source.type}, published {source.published}, accessed {source.accessed}{via}")
    return out


def _source_link(source_id: str, data: Data) -> str:
    source = data.sources.get(source_id)
    if source is None:
        return safe.html(source_id)
    return f"{safe.html_link(source.title, source.url)} ({safe.html(source.publisher)}, {source.published})"


def related_index(pages: dict[str, SitePage], tags: dict[str, list[str]], memo: dict) -> dict[str, list[str]]:
    """Each page's related pages (`related_ids`). Ranking 900 pages by shared tags takes a quarter of an
    edit's rebuild, so `memo` keeps the last answer with what it was ranked from (each page's id, folder,
    tags and declared related pages: all that related_ids reads)."""
    shape = [(page.id, page.folder, page.meta.tags, page.meta.related) for page in pages.values()]
    if memo.get("shape") != shape:
        memo["shape"], memo["related"] = shape, {page.id: related_ids(page, pages, tags) for page in pages.values()}
    return memo["related"]


def related_ids(page: SitePage, pages: dict[str, SitePage], tags: dict[str, list[str]]) -> list[str]:
    """Declared related pages first, then pages sharing the most tags (same folder breaks ties)."""
    chosen = [item for item in page.meta.related if item in pages and item != page.id]
    shared: dict[str, int] = {}
    for tag in page.meta.tags:
        for other in tags.get(tag, []):
            if other != page.id and other not in chosen:
                shared[other] = shared.get(other, 0) + 1
    folder = page.folder
    wanted = max(RELATED_LIMIT - len(chosen), 0)
    ranked = heapq.nsmallest(wanted, shared, key=lambda other: (-shared[other], pages[other].folder != folder,
                                                                other))
    return chosen + ranked
