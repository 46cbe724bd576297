"""Gate `originality`: no diagram is a relabelled copy of another page's."""

from __future__ import annotations

from ..findings import Finding
from ..model import Kind
from ..profiles import when
from ..results import PageSummary
from .base import Rule

RULES = [
    Rule("ATL931", "originality", "diagram has the same structure as another page's",
         "What: with labels and ids stripped, no two diagrams (5+ nodes) share nodes, nesting and edges.\n"
         "Why: a copied shape with new names is a template, not a description of a real system.\n"
         "Example: Uber's storage page made from Netflix's by renaming boxes.\n"
         "Fix: draw the subject's real components and flows.\n"
         "Not for incident timelines: a chronology's shape is its count of events per phase, and two\n"
         "incidents with six events in three phases draw the same chain without copying anything.",
         applies=when(lambda prof: prof.kind is not Kind.incident_timeline,
                      words="every page but incident timelines")),
]


def compared(prof) -> bool:
    """Whether a page's diagram takes part in the comparison (the rule's declared kinds)."""
    return RULES[0].applies(prof)


def check_atlas(pages: list[PageSummary]) -> list[Finding]:
    first: dict[str, PageSummary] = {}
    findings = []
    for page in sorted(pages, key=lambda p: p.path):
        if not page.fingerprint:
            continue
        if page.fingerprint in first:
            findings.append(Finding(page.path, page.diagram_line, 1, "ATL931",
                                    f"same diagram structure as {first[page.fingerprint].path}: draw this "
                                    "subject's own components and flows"))
        else:
            first[page.fingerprint] = page
    return findings
