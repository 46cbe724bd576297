"""Gate `links`: every internal link and related id resolves to a page."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..findings import Finding
from . import Rule

if TYPE_CHECKING:
    from ..check import PageSummary

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
    for suffix in (".md", "/index.md", "/"):
        if resolved.endswith(suffix):
            resolved = resolved[: -len(suffix)]
    return resolved


def check_atlas(pages: list[PageSummary]) -> list[Finding]:
    ids = {page.id for page in pages if page.id}
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
            if related not in ids:
                findings.append(Finding(page.path, line, col, "ATL922",
                                        f"related {related!r} is not a page id"))
    return findings
