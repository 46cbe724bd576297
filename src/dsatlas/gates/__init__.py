"""The quality gates: one module per gate, one code per rule, one documented reason per code.

A gate module exports RULES (its codes and their docs) and either `check(ctx)` (per page) or
`check_atlas(pages)` (across pages). The registry below is the only list of gates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..findings import Finding, Severity

if TYPE_CHECKING:
    from ..diagram import Structure
    from ..engine import ParseResult
    from ..loader import Data, Page
    from ..profiles import Profile


@dataclass(frozen=True)
class Rule:
    code: str
    gate: str
    summary: str
    doc: str  # What it checks · Why it matters at 3 AM · Example · Fix
    severity: Severity = "error"
    applies: str = "every page"


@dataclass
class PageContext:
    page: Page
    data: Data
    profile: Profile | None  # None for stand-alone .mmd files: only diagram gates run
    parse: ParseResult | None
    structure: Structure | None
    findings: list[Finding] = field(default_factory=list)

    def at_key(self, code: str, message: str, *loc: object) -> None:
        line, col = self.page.line_of(*loc)
        self.findings.append(Finding(self.page.path, line, col, code, message))

    def at_diagram_line(self, code: str, message: str, line: int = 1, col: int = 1) -> None:
        """A finding at a line inside the diagram (1-based), shown at its file line."""
        start = self.page.diagram.start_line if self.page.diagram else 0
        self.findings.append(Finding(self.page.path, start + line, col, code, message))

    def at_line(self, code: str, message: str, line: int, col: int = 1) -> None:
        self.findings.append(Finding(self.page.path, line, col, code, message))


def _modules():
    from . import (
        a11y,
        cost,
        figures,
        hardware,
        incident_facts,
        layout,
        links,
        originality,
        placeholders,
        planes,
        sources,
        syntax,
        threeam,
        waivers,
    )

    return [syntax, planes, figures, sources, incident_facts, hardware, cost, threeam, placeholders, layout, a11y,
            links, originality, waivers]


def page_gates():
    return [module for module in _modules() if hasattr(module, "check")]


def atlas_gates():
    return [module for module in _modules() if hasattr(module, "check_atlas")]


LOAD_RULES = [
    Rule("ATL001", "load", "file is unreadable, binary, empty or too large",
         "What: the file must be non-empty UTF-8 text under 512 KiB.\n"
         "Why: a page nobody can open is a page missing at 3 AM; huge files hide junk.\n"
         "Example: a PNG saved as page.md.\nFix: save as UTF-8 text, or split the page."),
    Rule("ATL002", "load", "front matter is missing or not closed",
         "What: a page starts with '---', its YAML keys, and a closing '---'.\n"
         "Why: titles, figures and sources live there; without them nothing is traceable.\n"
         "Example: a page that starts with '# Title'.\nFix: add the front matter block (docs/authoring.md)."),
    Rule("ATL003", "load", "YAML syntax error",
         "What: front matter and data records must be valid YAML.\n"
         "Why: a broken record silently drops its facts.\n"
         "Example: 'title: a: b'.\nFix: quote values that contain ': ' or start with special characters."),
    Rule("ATL004", "load", "schema error: unknown key, wrong type, bad date, unknown kind, unsafe slug",
         "What: keys and values follow the content model (`dsatlas schema`).\n"
         "Why: a misspelt key (`figuers`) would otherwise pass silently and hide unsourced numbers.\n"
         "Example: 'as_of: May 2024'.\nFix: use the key names and formats in docs/authoring.md."),
    Rule("ATL005", "load", "no single, closed mermaid block",
         "What: exactly one closed ```mermaid fence per page.\n"
         "Why: one page, one diagram keeps each view small and reviewable.\n"
         "Example: a page with two diagrams.\nFix: split the second view into its own page."),
    Rule("ATL007", "load", "page is not where its kind and subject say",
         "What: content/<category>/<subject>/<view>.md as the kind's profile says.\n"
         "Why: ids are paths; navigation and links are generated from them.\n"
         "Example: kind storage, subject netflix, at content/misc/evcache.md.\n"
         "Fix: move the file to the path in the message."),
]


def all_rules() -> list[Rule]:
    rules = list(LOAD_RULES)
    for module in _modules():
        rules.extend(module.RULES)
    return sorted(rules, key=lambda rule: rule.code)


def known_codes() -> set[str]:
    return {rule.code for rule in all_rules()}
