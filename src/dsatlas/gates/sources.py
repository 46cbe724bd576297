"""Gate `sources`: a page cites enough sources, all of which exist; its subject has its facts file."""

from __future__ import annotations

from ..profiles import when
from .base import PageContext, Rule

RULES = [
    Rule("ATL401", "sources", "too few sources",
         "What: at least the profile's number of distinct sources (2 for company and incident pages, else 1).\n"
         "Why: one source is one point of failure; two let a reader cross-check.\n"
         "Example: `sources: []`.\nFix: cite the public documents the page relies on."),
    Rule("ATL402", "sources", "unknown source id",
         "What: every id in `sources` and in `figures[].source` has data/sources/<id>.yaml.\n"
         "Why: a dangling id means a figure nobody can trace.\n"
         "Example: 'netflix-evcache' with no record.\nFix: add the record (url, title, publisher, dates)."),
    Rule("ATL403", "sources", "subject has no facts file",
         "What: company pages need data/companies/<subject>.yaml; incident pages data/incidents/<subject>.yaml.\n"
         "Why: facts are written once so every page that shows them agrees.\n"
         "Example: subject 'netflx' (typo).\nFix: fix the subject or add the facts file.",
         applies=when(lambda prof: prof.facts is not None)),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None or ctx.profile is None:
        return
    distinct = list(dict.fromkeys(meta.sources))
    if len(distinct) < ctx.profile.min_sources:
        ctx.at_key("ATL401", f"{len(distinct)} source(s); {meta.kind.value} pages cite at least "
                   f"{ctx.profile.min_sources} distinct sources", "sources")
    for index, source in enumerate(meta.sources):
        if source not in ctx.data.sources:
            ctx.at_key("ATL402", f"unknown source {source!r}: {_fix(ctx, 'sources', source)}", "sources", index)
    for index, figure in enumerate(meta.figures):
        if figure.source not in ctx.data.sources and figure.source in meta.sources:
            continue  # already reported on the sources list
        if figure.source not in ctx.data.sources:
            ctx.at_key("ATL402", f"unknown source {figure.source!r}: {_fix(ctx, 'sources', figure.source)}",
                       "figures", index, "source")
    if ctx.profile.facts == "company" and meta.subject not in ctx.data.companies:
        ctx.at_key("ATL403", f"no company facts for {meta.subject!r}: {_fix(ctx, 'companies', meta.subject)}",
                   "subject")
    if ctx.profile.facts == "incident" and meta.subject not in ctx.data.incidents:
        ctx.at_key("ATL403", f"no incident facts for {meta.subject!r}: {_fix(ctx, 'incidents', meta.subject)}",
                   "subject")


def _fix(ctx: PageContext, folder: str, slug: str) -> str:
    """What to do about a record the page needs: write it, or fix the one that does not load."""
    if f"{folder}/{slug}" in ctx.data.invalid:
        return f"data/{folder}/{slug}.yaml does not load: fix the findings reported on it"
    return f"add data/{folder}/{slug}.yaml"
