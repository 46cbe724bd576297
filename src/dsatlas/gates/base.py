"""What every gate module imports: a `Rule` (a code and its documented reason) and the `PageContext`
a page gate reads and reports into. Below the registry (`gates/__init__.py`), so no gate imports it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..findings import Finding, Severity
from ..profiles import EVERY_PAGE, Applies

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
    applies: Applies = EVERY_PAGE  # which kinds' pages (from profiles.PROFILES) the rule checks
    waivable: bool = True  # False: a page cannot silence it (a file that does not load has no waivers)
    quality: bool = True  # counts in `dsatlas progress` quality (False: internal errors, site-build codes)

    def to_dict(self) -> dict:
        return {"code": self.code, "gate": self.gate, "summary": self.summary, "doc": self.doc,
                "severity": self.severity, "applies": self.applies.describe(),
                "kinds": [kind.value for kind in self.applies.kinds()], "waivable": self.waivable}


@dataclass
class PageContext:
    page: Page
    data: Data
    profile: Profile | None  # None for stand-alone .mmd files: only diagram gates run
    parse: ParseResult | None
    structure: Structure | None
    findings: list[Finding] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)  # the registry, filled in by run_page_gates

    def at_key(self, code: str, message: str, *loc: object) -> None:
        line, col = self.page.line_of(*loc)
        self.findings.append(Finding(self.page.path, line, col, code, message))

    def at_diagram_line(self, code: str, message: str, line: int = 1, col: int = 1) -> None:
        """A finding at a line inside the diagram (1-based), shown at its file line."""
        start = self.page.diagram.start_line if self.page.diagram else 0
        self.findings.append(Finding(self.page.path, start + line, col, code, message))

    def at_line(self, code: str, message: str, line: int, col: int = 1) -> None:
        self.findings.append(Finding(self.page.path, line, col, code, message))
