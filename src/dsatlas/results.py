"""Plain data passed between the pipeline's steps: what a checked page leaves, and what a run returns.

This module sits below everything that produces or consumes these values (the checker, the gates that
work across pages, the site build, progress), so none of them needs to import another to share them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .findings import Finding


@dataclass
class PageSummary:
    """What the cache keeps of one analysed page: its findings and what cross-page gates need."""

    path: str
    id: str | None
    findings: list[Finding] = field(default_factory=list)
    links: list[tuple[str, int, int]] = field(default_factory=list)
    related: list[tuple[str, int, int]] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    diagram_line: int = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> PageSummary:
        data = json.loads(raw)
        data["findings"] = [Finding(**finding) for finding in data["findings"]]
        data["links"] = [tuple(link) for link in data["links"]]
        data["related"] = [tuple(item) for item in data["related"]]
        return cls(**data)


@dataclass
class CheckResult:
    """One `dsatlas check` run: every page's summary and every finding, waivers applied."""

    summaries: list[PageSummary]
    findings: list[Finding]
    checked: int
    cached: int

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    def error_findings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]
