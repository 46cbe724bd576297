"""Which gates apply to which kind: one table, read by the gates, never `if kind == …` scattered around."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Kind


@dataclass(frozen=True)
class Profile:
    category: str  # the content/ folder the kind lives in
    planes: int  # plane subgraphs required: 0 none, 2 at least two, 4 all four
    min_sources: int
    hardware: bool  # must name a technology with a version or an instance type
    cost: bool  # must show a currency figure
    facts: str | None  # "company" or "incident": the subject needs a facts file
    path: str  # where the page lives under content/, from subject and kind


_COMPANY = "systems/{subject}/{kind}"
_INCIDENT = "incidents/{subject}/{view}"

PROFILES: dict[Kind, Profile] = {
    Kind.architecture: Profile("systems", 4, 2, True, True, "company", _COMPANY),
    Kind.request_flow: Profile("systems", 0, 2, False, False, "company", _COMPANY),
    Kind.storage: Profile("systems", 2, 2, True, False, "company", _COMPANY),
    Kind.failure_domains: Profile("systems", 2, 2, False, False, "company", _COMPANY),
    Kind.scale_evolution: Profile("systems", 0, 2, False, False, "company", _COMPANY),
    Kind.cost_breakdown: Profile("systems", 0, 2, False, True, "company", _COMPANY),
    Kind.novel_solutions: Profile("systems", 0, 2, False, False, "company", _COMPANY),
    Kind.production_ops: Profile("systems", 0, 2, False, False, "company", _COMPANY),
    Kind.incident_timeline: Profile("incidents", 0, 2, False, True, "incident", _INCIDENT),
    Kind.incident_cascade: Profile("incidents", 2, 2, False, True, "incident", _INCIDENT),
    Kind.guarantee: Profile("guarantees", 0, 1, False, False, None, "guarantees/{subject}/{view}"),
    Kind.mechanism: Profile("mechanisms", 0, 1, False, False, None, "mechanisms/{subject}/{view}"),
    Kind.pattern: Profile("patterns", 0, 1, False, False, None, "patterns/{subject}/{view}"),
    Kind.performance: Profile("performance", 0, 1, False, False, None, "performance/{subject}/{view}"),
    Kind.debugging: Profile("debugging", 0, 1, False, False, None, "debugging/{subject}/{view}"),
    Kind.migration: Profile("migrations", 0, 1, False, False, None, "migrations/{subject}/{view}"),
    Kind.cost_analysis: Profile("costs", 0, 1, False, True, None, "costs/{subject}/{view}"),
    Kind.capacity: Profile("capacity", 0, 1, False, False, None, "capacity/{subject}/{view}"),
    Kind.comparison: Profile("comparisons", 0, 1, False, False, None, "comparisons/{subject}/{view}"),
    Kind.decision: Profile("decisions", 0, 1, False, False, None, "decisions/{subject}/{view}"),
}

INCIDENT_VIEWS = {Kind.incident_timeline: "timeline", Kind.incident_cascade: "cascade"}


def profile(kind: Kind) -> Profile:
    return PROFILES[kind]


def expected_id_pattern(kind: Kind, subject: str) -> str:
    """The page id a kind and subject must have; `{view}` is any slug the author picks."""
    view = INCIDENT_VIEWS.get(kind, "{view}")
    return PROFILES[kind].path.format(subject=subject, kind=kind.value, view=view)
