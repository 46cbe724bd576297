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


HISTORICAL_AFTER_YEARS = 3  # a figure this much older than its page shows its year and is marked historical


def figure_is_historical(figure_as_of: str, page_as_of: str) -> bool:
    """True when a figure dates from more than HISTORICAL_AFTER_YEARS before its page's `as_of`."""

    def months(value: str) -> int:
        year, _, rest = value.partition("-")
        return int(year) * 12 + (int(rest[:2]) - 1 if rest else 0)

    return months(page_as_of) - months(figure_as_of) > HISTORICAL_AFTER_YEARS * 12


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
Locator = Annotated[str, Field(min_length=3, max_length=160, description=(
    "Where in the source the figure stands: a section heading, table row, timeline entry or slide "
    "number. A pointer, not a copied sentence (at most 160 characters)."))]
OperatorUse = Literal["limit", "normal", "failing", "duration", "rto", "rpo", "capacity", "threshold"]


class Figure(Strict):
    """One number on the diagram, exactly as drawn, with what it means and where it comes from."""

    label: str = Field(min_length=1, description="Exactly as it appears on the diagram.")
    means: str = Field(min_length=3, description="What the number measures.")
    source: Slug = Field(description="Id of a record in data/sources/.")
    as_of: PartialDate = Field(description="When the figure was true: YYYY, YYYY-MM or YYYY-MM-DD.")
    confidence: Confidence = Field(
        description="A stated by a primary source; B derived (from a date, by arithmetic) or from news; C estimate."
    )
    locator: Locator | None = Field(default=None, description="Required for A and B: where in the source.")
    operator: OperatorUse | None = Field(default=None, description=(
        "Marks a figure an operator acts on: a limit, a normal or failing value, a step duration, RTO/RPO, "
        "a capacity or an alert threshold. Every page declares at least one."))
    formula: str | None = Field(default=None, description=(
        "For a composite label (a sum, difference or ratio of other figures on this page): the arithmetic "
        "over their numbers, e.g. '2 + 4 + 3'; the figures gate computes it. Never confidence A."))
    note: str | None = Field(default=None, description="Required for C: the arithmetic.")


class Waiver(Strict):
    code: str = Field(pattern=r"^ATL\d{3}$")
    reason: str | None = Field(default=None, description="Why this finding does not apply here.")


class FailureMode(Strict):
    """One row of the page's 3 AM table: what breaks, how it shows, the first safe action and its risk."""

    symptom: str = Field(min_length=10, description="What the operator sees.")
    signal: Slug = Field(description="Id of a record in data/signals/: the metric and its threshold.")
    first_action: str = Field(min_length=10, description=(
        "Reversible and safe within 5 minutes (drain, roll back, fail over, shed). Design work belongs "
        "in follow_up."))
    risk: str = Field(min_length=10, description="What the first action may break: fail-open, reconnect "
                      "storms, cold capacity, switching off customers' protection.")
    follow_up: str = Field(min_length=10, description="The durable fix, after the page is quiet.")
    as_done_by: Slug | None = Field(default=None, description="Source of what the company actually did.")
    locator: Locator | None = Field(default=None, description="Where in `as_done_by` it says so.")


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
    failure_modes: list[FailureMode] = Field(default_factory=list, description=(
        "The 3 AM table, as data: the site renders it; the page body does not repeat it."))
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
    read_via: HttpUrl | None = Field(default=None, description=(
        "Where the text was actually read, when that was a verbatim copy of the primary (a mirror, an "
        "archive, a repository holding the post); the record still cites the primary's url."))


SignalClass = Literal["latency", "traffic", "errors", "saturation", "replication-lag", "consistency",
                      "dependency", "config-push", "capacity", "data-loss", "network", "time"]


class Threshold(Strict):
    """When a signal should page someone, and who says so."""

    condition: str = Field(min_length=5, description="e.g. 'above 30 s for 5 min'.")
    provenance: Literal["sourced", "suggested"] = Field(description=(
        "sourced: a source publishes this threshold (give source and locator); suggested: nobody "
        "published one (give the reasoning)."))
    source: Slug | None = None
    locator: Locator | None = None
    reasoning: str | None = Field(default=None, min_length=10)

    @model_validator(mode="after")
    def _provenance(self) -> Threshold:
        if self.provenance == "sourced" and (self.source is None or self.locator is None):
            raise ValueError("a sourced threshold names its source and locator")
        if self.provenance == "suggested" and self.reasoning is None:
            raise ValueError("a suggested threshold says why (reasoning): nobody published it")
        return self


class Signal(Strict):
    """A metric an operator watches, written once (`data/signals/<id>.yaml`) and shared by pages."""

    id: Slug
    name: str = Field(min_length=3, description="As its owner names it.")
    signal_class: SignalClass = Field(alias="class")
    measures: str = Field(min_length=10, description="What is measured, and where.")
    threshold: Threshold
    sources: list[Slug] = Field(default_factory=list)


class Fact(Strict):
    value: str
    means: str
    source: Slug
    as_of: PartialDate
    confidence: Confidence
    locator: Locator | None = None
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
    locator: Locator | None = None

    @model_validator(mode="after")
    def _utc(self) -> TimelineEvent:
        _require_utc(self.at, "at")
        return self


class Impact(Strict):
    summary: str
    duration_minutes: int | None = Field(default=None, ge=0)


class Misled(Strict):
    """Something responders saw that looked like another problem."""

    seen: str = Field(min_length=5, description="What responders saw.")
    looked_like: str = Field(min_length=3, description="What they took it for.")
    actually: str = Field(min_length=3, description="What it really was.")
    source: Slug
    locator: Locator


class Worked(Strict):
    """An action that restored service."""

    action: str = Field(min_length=5)
    effect: str = Field(min_length=3, description="What it restored, for whom.")
    at: dt.datetime | None = Field(default=None, description="When (UTC), if the post-mortem says.")
    source: Slug
    locator: Locator

    @model_validator(mode="after")
    def _utc(self) -> Worked:
        if self.at is not None:
            _require_utc(self.at, "at")
        return self


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
    misled_by: list[Misled] = Field(default_factory=list, description=(
        "What looked like something else; incident pages need at least one (ATL406)."))
    what_worked: list[Worked] = Field(default_factory=list, description=(
        "The actions that restored service; incident pages need at least one (ATL406)."))
    sources: list[Slug] = Field(min_length=1)

    @property
    def clocks_converted(self) -> bool:
        """True when the post-mortem's clocks were not UTC: every UTC time drawn from it is a conversion."""
        return self.source_timezone not in ("UTC", "Etc/UTC")

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

