"""Gate `3am`: the page says what breaks, how it shows, the first safe action and what it risks.

Contract v2: failure modes are data (`failure_modes` in the front matter), each pointing at a signal
record (`data/signals/<id>.yaml`) that holds the metric and its one threshold with its provenance. The
site renders the "What breaks at 3 AM" table from them; the page body does not repeat it.
"""

from __future__ import annotations

import re

from ..markdown import THREE_AM_HEADING as HEADING
from .base import PageContext, Rule

# A first action is something an on-call engineer can do and undo now; these verbs start projects.
DESIGN_WORK_RE = re.compile(
    r"^\s*(?:build|implement|design|redesign|introduce|rewrite|re-?architect|refactor|migrate|develop|adopt|"
    r"create|plan|write|add (?:a|an|new)|move to|replace)\b", re.I)

RULES = [
    Rule("ATL701", "3am", "too few failure modes",
         "What: `failure_modes` lists at least the kind's minimum (4 for system, guarantee, mechanism and\n"
         "pattern pages, 3 for the others), each with symptom, signal, first_action, risk, follow_up.\n"
         "Why: the atlas exists for the engineer paged at 3 AM; a diagram alone does not say what to do.\n"
         "Example: a page with two failure modes.\nFix: add the real ways this system fails (docs/authoring.md)."),
    Rule("ATL702", "3am", "hand-written 3 AM section in the page body",
         f"What: no '## {HEADING}' section or table in the body: the site renders it from `failure_modes`.\n"
         "Why: one place for each row; a hand-kept table drifts from the data the symptom index reads.\n"
         "Example: a Markdown table under '## What breaks at 3 AM'.\nFix: move each row into `failure_modes`."),
    Rule("ATL703", "3am", "failure mode names an unknown signal",
         "What: each failure mode's `signal` is the id of a record in data/signals/.\n"
         "Why: the signal record holds the one threshold for that metric, with who published it.\n"
         "Example: signal: pg-lag with no data/signals/pg-lag.yaml.\n"
         "Fix: use an existing signal (`ls data/signals`) or add the record."),
    Rule("ATL704", "3am", "design work in a first action",
         "What: `first_action` is reversible and safe within 5 minutes (drain, roll back, fail over, shed load).\n"
         "Why: 'build N+1 capacity' cannot be done at 3 AM; it hides what to do now.\n"
         "Example: first_action: Implement a circuit breaker.\n"
         "Fix: put the project in `follow_up`; write the action that stops the bleeding now."),
    Rule("ATL705", "3am", "`as_done_by` without its source or locator",
         "What: a failure mode's `as_done_by` is one of the page's sources and comes with a `locator`.\n"
         "Why: 'what the company actually did' is a fact, and facts are traceable.\n"
         "Example: as_done_by: netflix-talk with no locator.\nFix: add the source to `sources` and a locator."),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None or ctx.profile is None:
        return
    heading_line, table = ctx.page.document.three_am if ctx.page.document else (None, None)
    if heading_line is not None or table is not None:
        ctx.at_line("ATL702", f"the '## {HEADING}' section is generated from `failure_modes`: move its rows "
                    "there and delete the section", heading_line or ctx.page.body_line)
    minimum = ctx.profile.min_failure_modes
    if len(meta.failure_modes) < minimum:
        where = ("failure_modes",) if meta.failure_modes else ("title",)
        ctx.at_key("ATL701", f"{len(meta.failure_modes)} failure mode(s); {meta.kind.value} pages describe at "
                   f"least {minimum}", *where)
    for index, mode in enumerate(meta.failure_modes):
        if mode.signal not in ctx.data.signals:
            ctx.at_key("ATL703", f"signal {mode.signal!r} is not a record: add data/signals/{mode.signal}.yaml "
                       "or use an existing one", "failure_modes", index, "signal")
        if DESIGN_WORK_RE.search(mode.first_action):
            ctx.at_key("ATL704", f"first action {mode.first_action[:50]!r} is a project: put it in follow_up "
                       "and write what can be done and undone in 5 minutes", "failure_modes", index, "first_action")
        if mode.as_done_by is not None and (mode.as_done_by not in meta.sources or mode.locator is None):
            ctx.at_key("ATL705", f"as_done_by {mode.as_done_by!r} needs to be in `sources` and to carry a "
                       "`locator`", "failure_modes", index, "as_done_by")
