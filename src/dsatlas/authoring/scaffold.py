"""Scaffold a page from its kind's template and the subject's facts (`dsatlas new`).

A template draws with `draw(...)`: every piece of text drawn from the facts carries the figures it
needs (a fact's value, a system's versioned technology, an incident's clock times and T+ offsets),
and drawing it declares them. The front matter is rendered after the body, so it declares exactly
the figures on the diagram — never one too many (ATL302) or one too few (ATL301). What the facts do
not know becomes an explicit TODO, which the placeholders gate (ATL801) rejects: an unedited
scaffold can never pass `dsatlas check`, but its Mermaid always parses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..diagram import PLANE_CLASS, PLANES, figure_tokens
from ..gates.cost import CURRENCY_RE
from ..gates.depth import CONTEXT_WORDS
from ..gates.placeholders import PLACEHOLDER_RE
from ..loader import Data
from ..model import PRIMARY_SOURCE_TYPES, CompanyFacts, IncidentFacts, Kind
from ..profiles import PROFILES
from ..util import write_atomic
from . import timeline
from .kinds import COMPANY_KINDS, INCIDENT_KINDS, page_id

MAX_PER_PLANE = 8  # 4 × 8 systems + clients and notes stays inside the layout budget (50 nodes)
MAX_FACTS_PER_NODE = 2
MAX_EVENTS = 40
WRAP = 44  # characters per line in a node label
COST_WORDS_RE = re.compile(r"cost|expense|spend|capex|opex|bill", re.I)

PLANE_TITLES = {"edge": "Edge Plane", "service": "Service Plane", "state": "State Plane",
                "control": "Control Plane"}
NODE_PREFIX = {"edge": "edge", "service": "svc", "state": "data", "control": "ctl"}


# ---- pieces of text that carry their figures ------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """One figure as the front matter declares it."""

    label: str
    means: str
    source: str
    as_of: str
    confidence: str
    note: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class Piece:
    """Text drawn from the facts, with the figures a reader needs to trust it."""

    text: str
    figures: tuple[Declared, ...] = ()


class Figures:
    """The figures drawn so far, in drawing order, each label once."""

    def __init__(self) -> None:
        self.declared: dict[str, Declared] = {}

    def draw(self, *items: object, sep: str = "<br/>") -> str:
        """Mermaid label text for pieces (or plain strings, or lists of either); declares their figures."""
        parts: list[str] = []
        for item in _flatten(items):
            if isinstance(item, Piece):
                for figure in item.figures:
                    self.declared.setdefault(figure.label, figure)
                parts.append(item.text)
            else:
                parts.append(str(item))
        return sep.join(mermaid_text(part) for part in parts if part)

    def sources(self) -> list[str]:
        return list(dict.fromkeys(figure.source for figure in self.declared.values()))


def _flatten(items) -> list:
    out: list = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        elif item is not None:
            out.append(item)
    return out


def clean(text: str) -> str:
    """One line, no double quotes (Mermaid would encode them and figure labels would stop matching)."""
    return " ".join(str(text).replace('"', "'").split())


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: wrapped lines become <br/>, angle brackets entities."""
    lines = [clean(line).replace("<", "&lt;").replace(">", "&gt;") for line in str(text).split("\n")]
    return "<br/>".join(line for line in lines if line)


def wrap(text: str, width: int = WRAP) -> str:
    return "\n".join(textwrap.wrap(clean(text), width=width, break_long_words=False, break_on_hyphens=False))


def humanize(key: str) -> str:
    """'paid_memberships_2024' → 'paid memberships' (words with digits would be undeclared figures)."""
    return " ".join(word for word in re.split(r"[_\s-]+", key) if word and not any(ch.isdigit() for ch in word))


def title_of(slug: str) -> str:
    return " ".join(word.capitalize() for word in slug.split("-"))


class SourceBook:
    """What a template needs to know about sources: a figure's date and confidence from its source."""

    def __init__(self, data: Data, today: dt.date):
        self.data = data
        self.today = today

    def confidence(self, source: str) -> str:
        record = self.data.sources.get(source)
        return "A" if record is not None and record.type in PRIMARY_SOURCE_TYPES else "B"

    def as_of(self, source: str) -> str:
        record = self.data.sources.get(source)
        return record.published if record is not None else self.today.strftime("%Y-%m")

    def stated(self, text: str, means: str, source: str, as_of: str | None = None) -> Piece:
        """Text a source states (a system's name or technology): one figure when it holds numbers."""
        label = clean(text)
        if not figure_tokens(label):
            return Piece(wrap(label))
        return Piece(wrap(label), (Declared(label, means, source, as_of or self.as_of(source),
                                            self.confidence(source)),))

    def unexplained(self, text: str, source: str, as_of: str, where: str) -> Piece:
        """Prose from the facts drawn on the diagram: each number in it needs its meaning written."""
        text = wrap(text)
        figures = tuple(
            Declared(token, f"TODO: what {token!r} measures ({where})", source, as_of, self.confidence(source))
            for token in dict.fromkeys(token for _, _, token in figure_tokens(clean(text)))
        )
        return Piece(text, figures)


# ---- company facts → what the eight company templates draw ----------------------------------------


@dataclass
class SystemView:
    id: str
    name: str
    plane: str
    what: str
    since: str | None
    source: str
    lines: list[Piece]


@dataclass
class PlaneView:
    plane: str
    id: str
    title: str
    style: str
    systems: list[SystemView]
    todo_id: str

    @property
    def node_ids(self) -> list[str]:
        return [system.id for system in self.systems] or [self.todo_id]


BARE_VALUE_RE = re.compile(r"[$€£]?[\d.,]+\s?(?:[KMBT]|%|ms|s|sec|min|mins|minutes|h|hours|days)?\+?")


def fact_piece(key: str, fact, owner: str = "") -> Piece:
    """A fact drawn as its value, plus the fact's name when the value alone would not say what it is."""
    value = clean(fact.value)
    if BARE_VALUE_RE.fullmatch(value):
        owner_words = set(re.split(r"[^a-z0-9]+", owner.lower()))
        words = [word for word in humanize(key).split() if word not in owner_words]
        text = " ".join([value, *words])
    else:
        text = value
    return Piece(text, (Declared(value, clean(fact.means), fact.source, fact.as_of, fact.confidence,
                                 fact.note, fact.locator),))


def _node_id(prefix: str, name: str, taken: set[str]) -> str:
    base = prefix + "_" + (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:24] or "node")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    taken.add(candidate)
    return candidate


def _names_system(system_name: str, key: str, means: str) -> bool:
    name = system_name.lower()
    slug = re.sub(r"[^a-z0-9]+", "_", name).strip("_")
    return bool(re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", means.lower())) or key.startswith(slug + "_")


def company_context(company: CompanyFacts, book: SourceBook) -> dict:
    """Systems per plane with their facts attached, headline and cost facts, eras, and the gaps."""
    taken: set[str] = set()
    attached: dict[str, list[tuple[str, object]]] = {}
    loose: list[tuple[str, object]] = []
    for key, fact in company.facts.items():
        owner = next((system.name for system in company.systems if _names_system(system.name, key, fact.means)),
                     None)
        if owner is None:
            loose.append((key, fact))
        else:
            attached.setdefault(owner, []).append((key, fact))
    planes: list[PlaneView] = []
    gaps: list[str] = []
    for plane in PLANES:
        views = []
        members = [system for system in company.systems if system.plane == plane]
        if len(members) > MAX_PER_PLANE:
            gaps.append(f"{len(members)} {plane}-plane systems; the first {MAX_PER_PLANE} are drawn")
        for system in members[:MAX_PER_PLANE]:
            lines = [book.stated(system.name, f"{system.name}: {clean(system.what)}", system.source)]
            if system.technology and clean(system.technology).lower() != clean(system.name).lower():
                lines.append(book.stated(system.technology, f"Technology of {system.name}: "
                                         f"{clean(system.technology)}", system.source))
            lines.extend(fact_piece(key, fact, system.name)
                         for key, fact in attached.get(system.name, [])[:MAX_FACTS_PER_NODE])
            views.append(SystemView(_node_id(NODE_PREFIX[plane], system.name, taken), system.name, plane,
                                    clean(system.what), system.since, system.source, lines))
        if not views:
            gaps.append(f"no {plane}-plane system in the facts: add one to `systems` (plane: {plane})")
        planes.append(PlaneView(plane, f"{plane}P", PLANE_TITLES[plane], PLANE_CLASS[plane], views,
                                _node_id(NODE_PREFIX[plane], "todo", taken)))
    spend = [(key, fact) for key, fact in company.facts.items() if CURRENCY_RE.search(fact.value)]
    spend.sort(key=lambda item: not COST_WORDS_RE.search(f"{item[0]} {item[1].means}"))  # costs before revenue
    costs = [fact_piece(key, fact) for key, fact in spend]
    headline = [fact_piece(key, fact) for key, fact in loose if not CURRENCY_RE.search(fact.value)]
    if not costs:
        gaps.append("no cost fact ($…) in the facts: cost pages and architecture pages need one")
    by_plane = {view.plane: view for view in planes}
    flow = by_plane["edge"].systems[:2] + by_plane["service"].systems[:2] + by_plane["state"].systems[:1]
    dated = [system for view in planes for system in view.systems if system.since]
    novel = sorted(dated, key=lambda system: system.since or "", reverse=True)[:4]
    return {
        "company": company,
        "name": clean(company.name),
        "planes": planes,
        "plane": by_plane,
        "flow": flow,
        "novel": novel,
        "headline": headline[:MAX_FACTS_PER_NODE],
        "costs": costs,
        "eras": _eras(company, book),
        "regions": [clean(region) for region in company.regions][:3],
        "gaps": gaps,
    }


def _eras(company: CompanyFacts, book: SourceBook) -> list[dict]:
    """Systems grouped by the year they entered service, oldest first, each year a declared figure."""
    years: dict[str, list] = {}
    for system in company.systems:
        match = re.match(r"^(\d{4})", (system.since or "").strip())
        if match:
            years.setdefault(match.group(1), []).append(system)
    eras = []
    for year in sorted(years)[:8]:
        members = years[year]
        names = ", ".join(clean(system.name) for system in members)
        first = members[0]
        year_piece = Piece(year, (Declared(year, f"Year {names} entered service, as the source states",
                                           first.source, year, book.confidence(first.source)),))
        names_pieces = [book.stated(system.name, f"{system.name}: {clean(system.what)}", system.source)
                        for system in members]
        eras.append({"id": f"era{year}", "year": year_piece, "names": names_pieces})
    return eras


# ---- incident facts → what the two incident templates draw ----------------------------------------


@dataclass
class EventView:
    id: str
    phase: str
    clock: Piece
    offset: Piece
    text: Piece
    actor: Piece | None


def incident_context(incident: IncidentFacts, book: SourceBook, facts_path: str) -> dict:
    """Events with clock times and T+ offsets computed from the UTC timestamps, grouped into phases."""
    started = incident.started
    first_source = incident.sources[0]
    events = sorted(incident.timeline, key=lambda event: event.at)
    milestones = [("started", "trigger", incident.started), ("detected", "detection", incident.detected),
                  ("mitigated", "mitigation", incident.mitigated), ("resolved", "resolution", incident.resolved)]
    rows: list[tuple[dt.datetime, str, str, str | None, str]] = [
        (event.at, event.phase, event.event, event.actor, event.source) for event in events
    ]
    times = {event.at for event in events}
    for name, phase, when in milestones:
        if when is not None and when not in times:
            rows.append((when, phase, f"{name.capitalize()} (from the facts file)", None, first_source))
    rows.sort(key=lambda row: row[0])
    gaps = []
    if not incident.timeline:
        gaps.append("no `timeline` events in the facts: only started/detected/mitigated/resolved are drawn")
    if len(rows) > MAX_EVENTS:
        gaps.append(f"{len(rows)} events; the first {MAX_EVENTS} are drawn")
    views = []
    for index, (at, phase, text, actor, source) in enumerate(rows[:MAX_EVENTS]):
        day = at.date().isoformat()
        clock = timeline.clock_label(at, started)
        offset = timeline.offset_label(started, at)
        confidence = book.confidence(source)
        converted = incident.clocks_converted  # a UTC time from local clocks is arithmetic: B (ATL405)
        clock_piece = Piece(clock, (Declared(
            clock, f"Time (UTC) of: {clean(text)}", source, day, "B" if converted else confidence,
            f"converted from the post-mortem's {incident.source_timezone} clock" if converted else None),))
        if offset == "T+0":
            offset_fig = Declared(offset, f"Start of the incident (T+0 = {timeline.long_clock(started)})",
                                  source, day, confidence)
        else:
            offset_fig = Declared(offset, f"Offset of {clock} from T+0 ({timeline.long_clock(started)})",
                                  source, day, "B", timeline.offset_note(started, at, facts_path))
        views.append(EventView(f"ev{index + 1}", phase, clock_piece, Piece(offset, (offset_fig,)),
                               book.unexplained(text, source, day, f"timeline event at {clock}"),
                               book.unexplained(f"by {actor}", source, day, f"actor at {clock}") if actor else None))
    runs: list[dict] = []
    for view in views:
        if not runs or runs[-1]["phase"] != view.phase:
            runs.append({"id": f"ph{len(runs) + 1}", "phase": view.phase, "title": view.phase.capitalize(),
                         "events": []})
        runs[-1]["events"].append(view)
    day = started.date().isoformat()
    seconds = round((incident.resolved - started).total_seconds())
    duration = timeline.span(seconds)
    duration_piece = Piece(f"outage {duration}", (Declared(
        duration, "Duration from start (T+0) to resolution", first_source, day, "B",
        f"{timeline.long_clock(incident.resolved)} minus {timeline.long_clock(started)} = "
        f"{timeline.spoken_span(seconds)}; computed by dsatlas from {facts_path}."),))
    clocks = {name: (timeline.offset_label(started, when), timeline.long_clock(when))
              for name, _, when in milestones if when is not None}
    return {
        "incident": incident,
        "name": clean(incident.title),
        "runs": runs,
        "events": views,
        "clocks": clocks,
        "duration": duration_piece,
        "trigger": book.unexplained(incident.trigger, first_source, day, "trigger"),
        "factors": [book.unexplained(factor, first_source, day, "contributing factor")
                    for factor in incident.contributing_factors[:6]],
        "impact": book.unexplained(incident.impact.summary, first_source, day, "impact"),
        "gaps": gaps,
    }


# ---- rendering -------------------------------------------------------------------------------------


def environment() -> Environment:
    env = Environment(loader=PackageLoader("dsatlas", "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters["q"] = lambda value: json.dumps(str(value), ensure_ascii=False)  # a YAML double-quoted scalar
    env.filters["wrap"] = wrap
    env.filters["mermaid"] = mermaid_text
    env.globals["context_words"] = "{}–{}".format(*CONTEXT_WORDS)  # the depth gate's bounds (design §9)
    return env


@dataclass
class Scaffold:
    kind: Kind
    subject: str
    page_id: str
    text: str
    facts_path: str | None  # the facts file the page draws on (None: the kind needs none)
    facts_found: bool
    figures: int
    gaps: list[str] = field(default_factory=list)

    @property
    def rel_path(self) -> str:
        return f"content/{self.page_id}.md"

    def placeholders(self) -> list[tuple[int, str]]:
        """(line, text) of every TODO the author has to replace."""
        return [(number, line.strip()) for number, line in enumerate(self.text.split("\n"), start=1)
                if PLACEHOLDER_RE.search(line)]


def scaffold(data: Data, kind: Kind, subject: str, view: str | None = None,
             today: dt.date | None = None) -> Scaffold:
    """Render the page for `kind` and `subject` from its template and the facts in `data`."""
    today = today or dt.date.today()
    target = page_id(kind, subject, view)
    prof = PROFILES[kind]
    book = SourceBook(data, today)
    figures = Figures()
    view_name = target.rsplit("/", 1)[-1]
    ctx: dict = {"kind": kind.value, "subject": subject, "view": view_name, "profile": prof,
                 "draw": figures.draw, "figures": figures, "today": today, "gaps": []}
    facts_path = None
    found = True
    fallback_sources: list[str] = []
    if kind in COMPANY_KINDS:
        facts_path = f"data/companies/{subject}.yaml"
        company = data.companies.get(subject)
        found = company is not None
        if company is None:
            company = CompanyFacts(slug=subject, name=title_of(subject), summary="")
        ctx.update(company_context(company, book))
        if not prof.cost:
            ctx["gaps"] = [gap for gap in ctx["gaps"] if not gap.startswith("no cost fact")]
        if not found:
            ctx["gaps"] = [f"no facts file: create {facts_path} (docs/authoring.md, 'Company facts'), then run "
                           f"`dsatlas new {kind.value} {subject} --force` to draw from it"]
        ctx["title"] = f"{ctx['name']} — {prof.title}"
        fallback_sources = list(company.sources)
    elif kind in INCIDENT_KINDS:
        facts_path = f"data/incidents/{subject}.yaml"
        incident = data.incidents.get(subject)
        found = incident is not None
        if incident is None:
            ctx.update({"incident": None, "name": title_of(subject), "gaps": [
                f"no facts file: create {facts_path} (docs/authoring.md, 'Incident facts'), then run "
                f"`dsatlas new {kind.value} {subject} --force` to draw from it"]})
        else:
            ctx.update(incident_context(incident, book, facts_path))
            fallback_sources = list(incident.sources)
        ctx["title"] = f"{ctx['name']} — {prof.title}"
    else:
        ctx["name"] = title_of(subject)
        ctx["title"] = f"{ctx['name']} — {title_of(view_name)}"
    ctx["facts_path"] = facts_path
    ctx["facts_found"] = found

    def page_sources() -> list[str]:
        cited = figures.sources()
        for source in fallback_sources:
            if len(cited) >= prof.min_sources:
                break
            if source not in cited:
                cited.append(source)
        return cited

    def page_as_of() -> str:
        dates = [figure.as_of for figure in figures.declared.values()]
        if kind in INCIDENT_KINDS and ctx.get("incident") is not None:
            return ctx["incident"].date
        return max(dates) if dates else today.strftime("%Y-%m")

    ctx["page_sources"] = page_sources
    ctx["page_as_of"] = page_as_of
    text = environment().get_template(f"{kind.value}.md.j2").render(ctx)
    return Scaffold(kind, subject, target, text, facts_path, found, len(figures.declared), list(ctx["gaps"]))


class PageExists(Exception):
    """The page is already there and the author did not ask to replace it."""


def write_page(root: Path, page: Scaffold, force: bool = False, now: dt.datetime | None = None) -> Path | None:
    """Write the scaffold atomically; an existing page is kept unless `force`, and then backed up.

    Returns the backup's path when one was made. The backup sits beside the page as
    `<name>.md.<timestamp>.bak`, which no checker or site build reads as a page.
    """
    path = root / page.rel_path
    backup = None
    if path.exists():
        if not force:
            raise PageExists(f"{page.rel_path} already exists: edit it, or pass --force to replace it (the "
                             "current page is kept as a .bak file beside it)")
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        number = 2
        while backup.exists():
            backup = path.with_name(f"{path.name}.{stamp}-{number}.bak")
            number += 1
        write_atomic(backup, path.read_bytes())
    write_atomic(path, page.text)
    return backup
