"""Gate `incident-facts`: the T+ offsets drawn on an incident page come from its facts file."""

from __future__ import annotations

import re

from ..profiles import when
from .base import PageContext, Rule

OFFSET_RE = re.compile(
    r"(?<![\w])T\s?(?P<sign>[+\-−])\s?(?P<body>(?:\d+\s?d)?\s?(?:\d+\s?h)?\s?(?:\d+\s?m(?:in)?)?\s?(?:\d+\s?s)?)"
    r"(?![\w])"
)
UTC_CLOCK_RE = re.compile(r"\b\d{1,2}:\d{2}\s?UTC\b")  # a clock time written in UTC on the diagram
_PART_RE = re.compile(r"(\d+)\s?(d|h|m|s)")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
TOLERANCE_S = 60  # offsets are drawn to the minute

RULES = [
    Rule("ATL404", "incident-facts", "T+ offset not derived from the incident's facts",
         "What: every T+/T- offset on an incident page equals a timestamp in data/incidents/<subject>.yaml "
         "(started, detected, mitigated, resolved or a timeline event) minus `started`, to the minute.\n"
         "Why: the timeline is computed from one set of UTC facts; an offset typed by hand drifts from them, "
         "and two pages of one incident would disagree.\n"
         "Example: 'T+4h25m' on the page while the facts have no event 4 h 25 min after the start.\n"
         "Fix: add the event (with its source) to the facts file, or correct the offset.",
         applies=when(lambda prof: prof.facts == "incident")),
    Rule("ATL405", "incident-facts", "derived time declared as confidence A",
         "What: a figure whose label holds a T+/T- offset is confidence B: it is computed from two timestamps.\n"
         "So is a UTC clock time when the post-mortem's clocks were in another zone (`source_timezone`):\n"
         "converting 12:38 AM PDT to 07:38 UTC is arithmetic.\n"
         "Why: A means the source states the number itself; a derived number must say it was derived.\n"
         "Example: label 'T+4h25m', confidence A; or '07:38 UTC' from a PDT post-mortem, confidence A.\n"
         "Fix: use confidence B (the note may show the subtraction or the conversion).",
         applies=when(lambda prof: prof.facts == "incident")),
    Rule("ATL406", "incident-facts", "incident facts do not say what misled responders or what worked",
         "What: data/incidents/<subject>.yaml has at least one `misled_by` and one `what_worked` entry, each\n"
         "with its source and locator; both incident pages show them.\n"
         "Why: the next on-call engineer needs the signal that looked like something else, and the action\n"
         "that actually restored service.\n"
         "Example: facts with a timeline but no misled_by.\n"
         "Fix: read the post-mortem for what responders first believed and what finally worked.",
         applies=when(lambda prof: prof.facts == "incident")),
]


def offset_seconds(sign: str, body: str) -> int | None:
    parts = _PART_RE.findall(body)
    if not parts:
        return 0 if body.strip() == "" else None
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    return -seconds if sign in "-−" else seconds


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None:  # only incident kinds reach here (RULES.applies)
        return
    incident = ctx.data.incidents.get(meta.subject)
    converted = incident is not None and incident.clocks_converted
    for index, figure in enumerate(meta.figures):
        if figure.confidence != "A":
            continue
        if any(match.group("body").strip() for match in OFFSET_RE.finditer(figure.label)):
            ctx.at_key("ATL405", f"figure {figure.label!r} is an offset computed from the facts' timestamps: "
                       "confidence B", "figures", index, "confidence")
        elif converted and UTC_CLOCK_RE.search(figure.label):
            ctx.at_key("ATL405", f"figure {figure.label!r} is a UTC time converted from the post-mortem's "
                       f"{incident.source_timezone} clocks: confidence B", "figures", index, "confidence")
    if incident is None:
        return  # ATL403 already says the facts file is missing
    missing = [name for name in ("misled_by", "what_worked") if not getattr(incident, name)]
    if missing:
        ctx.at_key("ATL406", f"data/incidents/{meta.subject}.yaml has no {' and no '.join(missing)}: add what "
                   "the post-mortem says, with source and locator", "subject")
    if ctx.structure is None:
        return
    moments = [incident.started, incident.detected, incident.mitigated, incident.resolved,
               *(event.at for event in incident.timeline)]
    known = sorted({int((moment - incident.started).total_seconds()) for moment in moments if moment is not None})
    for label in ctx.structure.labels:
        for match in OFFSET_RE.finditer(label.text):
            body = match.group("body")
            if not body.strip():
                continue  # a bare "T+0" is the start itself
            seconds = offset_seconds(match.group("sign"), body)
            if seconds is None or any(abs(seconds - offset) <= TOLERANCE_S for offset in known):
                continue
            ctx.at_diagram_line("ATL404", f"{match.group(0).strip()!r} in {label.where} matches no timestamp in "
                                f"data/incidents/{meta.subject}.yaml: add that event to the facts, or fix the "
                                "offset", label.line)
