"""The content model: page front matter, source records, company and incident facts.

These pydantic models are the schema. `dsatlas schema` generates JSON Schema from them for editors;
nothing else describes the format, so a field added here is a field documented everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, model_validator

# Anchored for JSON Schema, but matched with fullmatch() only: `$` also matches before a trailing "\n", so
# "netflix\n" would pass .match() and become a path with a newline in it.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PAGE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def is_slug(value: str) -> bool:
    """The one slug test (schema and `dsatlas new`): lowercase a-z, 0-9 and '-', nothing before or after."""
    return SLUG_RE.fullmatch(value) is not None


def _slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError(
            f"{value!r} is not a slug: use lowercase a-z, 0-9 and '-', starting with a letter or digit"
        )
    return value


def _page_id(value: str) -> str:
    if not PAGE_ID_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a page id: use a path under content/ without '.md', e.g. "
                         "'systems/netflix/storage'")
    return value


def _partial_date(value: object) -> str:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD (YAML may hand us a date object for the last)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str):
        value = value.strip()  # as every other string field (str_strip_whitespace): YAML may quote "2024-12\n"
    if not isinstance(value, str) or not PARTIAL_DATE_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    if len(value) == 10:
        dt.date.fromisoformat(value)  # rejects 2023-02-30
    return value


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: str) -> str:
    """An IANA time zone name such as 'America/Los_Angeles': the zone whose clocks a post-mortem read."""
    if value not in _zone_names():
        raise ValueError(
            f"{value!r} is not an IANA time zone name: write the zone the post-mortem's clocks were in, e.g. "
            "'America/Los_Angeles' for US Pacific time (PST and PDT), 'Europe/London' or 'UTC'; "
            "notes on how the times were read go in a YAML comment"
        )
    return value


Slug = Annotated[str, AfterValidator(_slug)]
TimeZone = Annotated[
    str, AfterValidator(_time_zone), Field(json_schema_extra={"examples": ["America/Los_Angeles", "UTC"]})
]
PageId = Annotated[str, AfterValidator(_page_id)]
PartialDate = Annotated[
    str, BeforeValidator(_partial_date), Field(json_schema_extra={"pattern": PARTIAL_DATE_RE.pattern})
]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a key must never pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Kind(StrEnum):
    architecture = "architecture"
    request_flow = "request-flow"
    storage = "storage"
    failure_domains = "failure-domains"
    scale_evolution = "scale-evolution"
    cost_breakdown = "cost-breakdown"
    novel_solutions = "novel-solutions"
    production_ops = "production-ops"
    incident_timeline = "incident-timeline"
    incident_cascade = "incident-cascade"
    guarantee = "guarantee"
    mechanism = "mechanism"
    pattern = "pattern"
    performance = "performance"
    debugging = "debugging"
    migration = "migration"
    cost_analysis = "cost-analysis"
    capacity = "capacity"
    comparison = "comparison"
    decision = "decision"


Confidence = Literal["A", "B", "C"]


class Figure(Strict):
    """One number on the diagram, exactly as drawn, with what it means and where it comes from."""

    label: str = Field(min_length=1, description="Exactly as it appears on the diagram.")
    means: str = Field(min_length=3, description="What the number measures.")
    source: Slug = Field(description="Id of a record in data/sources/.")
    as_of: PartialDate = Field(description="When the figure was true: YYYY, YYYY-MM or YYYY-MM-DD.")
    confidence: Confidence = Field(
        description="A stated by a primary source; B derived from stated figures or from news; C estimate."
    )
    note: str | None = Field(default=None, description="Required for C: the arithmetic.")


class Waiver(Strict):
    code: str = Field(pattern=r"^ATL\d{3}$")
    reason: str | None = Field(default=None, description="Why this finding does not apply here.")


class PageMeta(Strict):
    """The front matter of one content page."""

    title: str = Field(min_length=3)
    kind: Kind
    subject: Slug
    summary: str = Field(min_length=10, max_length=240)
    tags: list[Slug] = Field(default_factory=list)
    as_of: PartialDate
    sources: list[Slug] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    related: list[PageId] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)


SourceType = Literal["blog", "postmortem", "paper", "talk", "docs", "filing", "news"]
PRIMARY_SOURCE_TYPES = frozenset({"blog", "postmortem", "paper", "talk", "docs", "filing"})


class Source(Strict):
    """A public document a figure or page relies on (`data/sources/<id>.yaml`)."""

    id: Slug
    url: HttpUrl
    title: str = Field(min_length=3)
    publisher: str = Field(min_length=2)
    published: PartialDate
    type: SourceType
    accessed: PartialDate


class Fact(Strict):
    value: str
    means: str
    source: Slug
    as_of: PartialDate
    confidence: Confidence
    note: str | None = None


Plane = Literal["edge", "service", "state", "control"]


class System(Strict):
    name: str
    plane: Plane
    what: str
    technology: str | None = None
    since: str | None = None
    source: Slug


class CompanyFacts(Strict):
    """Facts about one company, written once and drawn on by its eight pages."""

    slug: Slug
    name: str
    summary: str
    sources: list[Slug] = Field(default_factory=list)
    facts: dict[str, Fact] = Field(default_factory=dict)
    systems: list[System] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)


Phase = Literal["trigger", "detection", "diagnosis", "mitigation", "recovery", "resolution"]


class TimelineEvent(Strict):
    at: dt.datetime
    phase: Phase
    event: str
    actor: str | None = None
    source: Slug

    @model_validator(mode="after")
    def _utc(self) -> TimelineEvent:
        _require_utc(self.at, "at")
        return self


class Impact(Strict):
    summary: str
    duration_minutes: int | None = Field(default=None, ge=0)


class IncidentFacts(Strict):
    """The facts of one outage, from its official post-mortem; timelines are computed from these."""

    slug: Slug
    title: str
    company: Slug
    date: PartialDate
    source_timezone: TimeZone  # local times convert to UTC with authoring.timeline.local_to_utc
    started: dt.datetime
    detected: dt.datetime | None = None
    mitigated: dt.datetime | None = None
    resolved: dt.datetime
    trigger: str
    root_cause: str
    contributing_factors: list[str] = Field(default_factory=list)
    impact: Impact
    timeline: list[TimelineEvent] = Field(default_factory=list)
    lessons: list[str] = Field(default_factory=list)
    sources: list[Slug] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> IncidentFacts:
        for name in ("started", "detected", "mitigated", "resolved"):
            value = getattr(self, name)
            if value is not None:
                _require_utc(value, name)
        if self.resolved < self.started:
            raise ValueError("resolved is before started")
        if self.impact.duration_minutes is not None:
            minutes = round((self.resolved - self.started).total_seconds() / 60)
            if abs(minutes - self.impact.duration_minutes) > 1:
                raise ValueError(
                    f"impact.duration_minutes is {self.impact.duration_minutes} but resolved - started "
                    f"is {minutes} minutes"
                )
        return self


def _require_utc(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
        raise ValueError(f"{name} must be a UTC timestamp ending in Z, e.g. 2017-02-28T17:37:00Z")

