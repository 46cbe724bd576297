"""The kind table: one `Profile` per page kind, the only place a kind's properties are written.

Gates, placement, `dsatlas new`, `dsatlas progress`, `dsatlas sources stale`, `dsatlas rules` and the
docs all read this table. Adding a kind is one row here plus one template in `templates/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import SLUG_RE, Kind

VIEW_RE = SLUG_RE.pattern.strip("^$")  # one path segment: a view never spans folders


@dataclass(frozen=True)
class Profile:
    kind: Kind
    title: str  # how a page title names the kind: "Netflix — Storage"
    category: str  # the content/ folder the kind lives in
    path: str  # where the page lives under content/: {subject}, {kind} and {view} are filled in
    planes: int = 0  # plane subgraphs required: 0 none, 2 at least two, 4 all four
    min_sources: int = 1
    hardware: bool = False  # must name a technology with a version or an instance type
    cost: bool = False  # must show a currency figure
    facts: str | None = None  # "company" or "incident": the subject needs a facts file
    views: tuple[str, ...] = ()  # the allowed views; one view: fixed; empty: any slug
    needs: str = "sources only (no facts file)"  # what the template draws on, for `dsatlas new --list`
    historical: bool = False  # draws a past moment on purpose: its figures never go stale
    min_failure_modes: int = 3  # rows of the 3 AM table (`failure_modes`)
    default_view: str = "overview"

    @property
    def fixed_view(self) -> str | None:
        """The one view this kind always has ('timeline', 'storage'), or None when authors pick it."""
        return self.views[0] if len(self.views) == 1 else None

    def page_id(self, subject: str, view: str) -> str:
        return self.path.format(subject=subject, kind=self.kind.value, view=view)

    def id_pattern(self) -> re.Pattern[str]:
        """The page ids this kind may have; groups `subject` and `view`, each exactly one path segment."""
        views = "|".join(re.escape(view) for view in self.views) if self.views else VIEW_RE
        pattern = re.escape(self.path).replace(r"\{subject\}", f"(?P<subject>{VIEW_RE})")
        pattern = pattern.replace(r"\{kind\}", f"(?P<view>{re.escape(self.kind.value)})")
        return re.compile(pattern.replace(r"\{view\}", f"(?P<view>{views})"))

    def place(self, page_id: str) -> tuple[str, str] | None:
        """(subject, view) when `page_id` is where a page of this kind lives, else None."""
        match = self.id_pattern().fullmatch(page_id)
        return (match["subject"], match["view"]) if match else None


_COMPANY = "systems/{subject}/{kind}"
_INCIDENT = "incidents/{subject}/{view}"
_COMPANY_NEEDS = "data/companies/<subject>.yaml: name, summary, sources"
GUARANTEE_VIEWS = ("contract", "implementation", "anomaly", "trade-offs", "testing", "violation")


def _company(kind: Kind, title: str, needs: str, **traits) -> Profile:
    return Profile(kind, title, "systems", _COMPANY, min_sources=2, facts="company", views=(kind.value,),
                   needs=f"{_COMPANY_NEEDS}; {needs}", min_failure_modes=4, **traits)


def _own(kind: Kind, title: str, category: str, needs: str = "sources only (no facts file)", **traits) -> Profile:
    return Profile(kind, title, category, f"{category}/{{subject}}/{{view}}", needs=needs, **traits)


_ROWS = [
    _company(Kind.architecture, "Architecture", "systems in all four planes; a cost fact ($…); a technology "
             "with a version", planes=4, hardware=True, cost=True),
    _company(Kind.request_flow, "Request Flow", "edge, service and state systems"),
    _company(Kind.storage, "Storage", "state systems with technology and versions; service systems",
             planes=2, hardware=True),
    _company(Kind.failure_domains, "Failure Domains", "regions; systems per plane", planes=2),
    _company(Kind.scale_evolution, "Scale Evolution", "systems with `since` years; scale facts", historical=True),
    _company(Kind.cost_breakdown, "Cost Breakdown", "cost facts ($…); systems per plane", cost=True),
    _company(Kind.novel_solutions, "Novel Solutions", "systems with `what`, `since` and their facts"),
    _company(Kind.production_ops, "Production Operations", "control-plane systems and their facts"),
    Profile(Kind.incident_timeline, "timeline", "incidents", _INCIDENT, min_sources=2, cost=True,
            facts="incident", views=("timeline",), historical=True,
            needs="data/incidents/<subject>.yaml: started, detected, mitigated, resolved (UTC), timeline "
                  "events with sources, lessons"),
    Profile(Kind.incident_cascade, "cascade", "incidents", _INCIDENT, planes=2, min_sources=2, cost=True,
            facts="incident", views=("cascade",), historical=True,
            needs="data/incidents/<subject>.yaml: trigger, root_cause, contributing_factors, impact, "
                  "started/resolved"),
    _own(Kind.guarantee, "Guarantee", "guarantees", "sources only (no facts file); the view picks the diagram",
         views=GUARANTEE_VIEWS, min_failure_modes=4),
    _own(Kind.mechanism, "Mechanism", "mechanisms", min_failure_modes=4),
    _own(Kind.pattern, "Pattern", "patterns", min_failure_modes=4),
    _own(Kind.performance, "Performance", "performance",
         "sources only (no facts file): the benchmark's published numbers"),
    _own(Kind.debugging, "Debugging", "debugging"),
    _own(Kind.migration, "Migration", "migrations"),
    _own(Kind.cost_analysis, "Cost Analysis", "costs", "sources only (no facts file): published prices or "
         "costs ($…)", cost=True),
    _own(Kind.capacity, "Capacity", "capacity", "sources only (no facts file): the inputs of the capacity "
         "arithmetic"),
    _own(Kind.comparison, "Comparison", "comparisons"),
    _own(Kind.decision, "Decision", "decisions"),
]

PROFILES: dict[Kind, Profile] = {row.kind: row for row in _ROWS}
assert set(PROFILES) == set(Kind), "every Kind needs exactly one Profile row"


def profile(kind: Kind) -> Profile:
    return PROFILES[kind]


def classify(page_id: str) -> tuple[Kind, str, str] | None:
    """(kind, subject, view) of a page id that sits where the table puts some kind; None otherwise.

    Only the path speaks here (for `dsatlas progress` and the plan); a page's own `kind` key is checked
    against its path by the placement gate.
    """
    for prof in PROFILES.values():
        placed = prof.place(page_id)
        if placed is not None:
            return prof.kind, placed[0], placed[1]
    return None


# ---- which kinds a rule applies to ---------------------------------------------------------------


@dataclass(frozen=True)
class Applies:
    """Which pages a rule applies to: every page (diagram files too), or the profiles a test accepts."""

    test: Callable[[Profile], bool] | None = None  # None: every page and stand-alone .mmd diagram
    front_matter: bool = True  # False: also runs on files without front matter (.mmd, --diagrams-only)
    words: str | None = None  # how `dsatlas rules` says it, when a kind list would be long

    def __call__(self, prof: Profile | None) -> bool:
        if prof is None:
            return not self.front_matter
        return self.test is None or self.test(prof)

    def kinds(self) -> list[Kind]:
        return [kind for kind, prof in PROFILES.items() if self(prof)]

    def describe(self) -> str:
        if self.test is None:
            return "every page and diagram" if not self.front_matter else "every page"
        return self.words or ", ".join(kind.value for kind in self.kinds())


EVERY_PAGE = Applies()
EVERY_DIAGRAM = Applies(front_matter=False)


def when(test: Callable[[Profile], bool], words: str | None = None) -> Applies:
    return Applies(test=test, words=words)
