"""Gate `figures`: every number drawn on the diagram is declared in front matter with a known source."""

from __future__ import annotations

from ..diagram import plain_text, uncovered_tokens
from ..model import PRIMARY_SOURCE_TYPES
from .base import PageContext, Rule

RULES = [
    Rule("ATL301", "figures", "number on the diagram is not declared under `figures`",
         "What: each figure token on the diagram (30M, 45ms, $2.1M/month, r5.4xlarge, v3.7, 17:37 UTC) lies "
         "inside a declared figure label.\n"
         "Why: an unsourced number is how a wiki drifts into fiction; at 3 AM people act on these numbers.\n"
         "Example: a node 'EVCache<br/>30M req/s' with no figure '30M req/s'.\n"
         "Fix: declare it with label, means, source, as_of and confidence, or remove it."),
    Rule("ATL302", "figures", "declared figure does not appear on the diagram",
         "What: each figure's label is found verbatim in some diagram label.\n"
         "Why: the sources table must describe what the reader sees, not a stale copy.\n"
         "Example: label '30M req/s' while the diagram says '30 M req/s'.\nFix: make them identical."),
    Rule("ATL303", "figures", "figure cites a source the page does not list",
         "What: a figure's source is one of the page's `sources` and exists in data/sources/.\n"
         "Why: the page's source list is what readers and link checks see.\n"
         "Example: source 'netflix-q4' missing from `sources`.\nFix: add it to `sources` (and data/sources/)."),
    Rule("ATL304", "figures", "estimate without arithmetic",
         "What: confidence C figures carry a `note` with the arithmetic.\n"
         "Why: an estimate is only honest when a reader can redo it.\n"
         "Example: confidence C, no note.\nFix: write the inputs and the calculation in `note`."),
    Rule("ATL305", "figures", "confidence A from a secondary source",
         "What: confidence A needs a primary source: blog, postmortem, paper, talk, docs or filing.\n"
         "Why: news and aggregators restate numbers, often wrongly.\n"
         "Example: confidence A citing a news article.\nFix: cite the primary source or lower to B."),
]


def check(ctx: PageContext) -> None:
    structure = ctx.structure
    meta = ctx.page.meta
    declared = [plain_text(figure.label) for figure in meta.figures] if meta else []
    if structure is not None:
        reported: set[str] = set()
        for label in structure.labels:
            for token in uncovered_tokens(label.text, declared):
                if (label.where, token) in reported:
                    continue
                reported.add((label.where, token))
                ctx.at_diagram_line("ATL301", f"{token!r} in {label.where} is not declared: add a figure "
                                    "whose label contains it, with its source", label.line)
        if meta is not None:
            texts = [label.text for label in structure.labels]
            for index, (figure, needle) in enumerate(zip(meta.figures, declared, strict=True)):
                if not any(needle in text for text in texts):
                    ctx.at_key("ATL302", f"figure {figure.label!r} is not on the diagram: copy the label "
                               "exactly as drawn, or remove the figure", "figures", index, "label")
    if meta is None:
        return
    for index, figure in enumerate(meta.figures):
        if figure.source not in meta.sources:
            ctx.at_key("ATL303", f"figure {figure.label!r} cites {figure.source!r}, which is not in this "
                       "page's `sources`: add it there", "figures", index, "source")
        if figure.confidence == "C" and not (figure.note or "").strip():
            ctx.at_key("ATL304", f"figure {figure.label!r} is an estimate (C): show the arithmetic in `note`",
                       "figures", index, "confidence")
        source = ctx.data.sources.get(figure.source)
        if figure.confidence == "A" and source is not None and source.type not in PRIMARY_SOURCE_TYPES:
            ctx.at_key("ATL305", f"figure {figure.label!r} is A but {figure.source!r} is {source.type}: cite a "
                       "primary source or use B", "figures", index, "confidence")
