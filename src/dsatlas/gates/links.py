"""Gate `links`: every internal link and related id resolves to a page."""

from __future__ import annotations

import posixpath

from ..findings import Finding
from ..results import PageSummary
from .base import Rule

RULES = [
    Rule("ATL921", "links", "internal link to a page that does not exist",
         "What: relative Markdown links resolve to a page under content/.\n"
         "Why: a dead link at 3 AM is a dead end.\n"
         "Example: [storage](../netflx/storage.md).\nFix: correct the path, or link a page that exists."),
    Rule("ATL922", "links", "related id that does not exist",
         "What: each id in `related` is a page id (a path under content/ without .md).\n"
         "Why: related pages are how readers move from a symptom to its mechanism.\n"
         "Example: related: [systems/netflix/stroage].\nFix: use an existing page id."),
]


def resolve_link(page_id: str, target: str) -> str | None:
    """The page id a relative link points at, or None when it is external or an anchor."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return None
    path = target.split("#", 1)[0]
    if not path:
        return None
    base = posixpath.dirname(page_id)
    resolved = posixpath.normpath(posixpath.join(base, path)) if not path.startswith("/") else path.lstrip("/")
    if resolved == "index.md" or resolved.endswith("/index.md"):  # a folder's index.md is the folder
        return resolved.removesuffix("index.md").rstrip("/")
    return "" if resolved == "." else resolved.removesuffix(".md").rstrip("/")


def link_targets(page_ids: set[str]) -> set[str]:
    """What a link may point at: every page, every folder above a page (the site generates its
    index page), and the home page ("")."""
    targets = set(page_ids) | {""}
    for page_id in page_ids:
        parts = page_id.split("/")
        targets.update("/".join(parts[:end]) for end in range(1, len(parts)))
    return targets


def check_atlas(pages: list[PageSummary]) -> list[Finding]:
    page_ids = {page.id for page in pages if page.id}
    ids = link_targets(page_ids)
    findings = []
    for page in pages:
        if not page.id:
            continue
        for target, line, col in page.links:
            resolved = resolve_link(page.id, target)
            if resolved is not None and resolved not in ids:
                findings.append(Finding(page.path, line, col, "ATL921",
                                        f"link {target!r} points at {resolved!r}, which is not a page"))
        for related, line, col in page.related:
            if related not in page_ids:
                findings.append(Finding(page.path, line, col, "ATL922",
                                        f"related {related!r} is not a page id"))
    return findings
