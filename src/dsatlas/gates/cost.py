"""Gate `cost`: cost, architecture and incident pages show what it costs, in money."""

from __future__ import annotations

import re

from ..profiles import when
from .base import PageContext, Rule

CURRENCY_RE = re.compile(r"[$€£]\s?\d")

RULES = [
    Rule("ATL601", "cost", "no cost figure on the diagram",
         "What: at least one currency figure ($2.1M/month) on the diagram.\n"
         "Why: capacity and failure decisions are cost decisions; a design without its price misleads.\n"
         "Example: an architecture page with no $ anywhere.\n"
         "Fix: add a sourced cost (or a C estimate with arithmetic), or waive with the reason it is not "
         "public.", applies=when(lambda prof: prof.cost)),
]


def check(ctx: PageContext) -> None:
    if ctx.structure is None:  # the runner runs this only for kinds whose profile asks for a cost
        return
    if not any(CURRENCY_RE.search(label.text) for label in ctx.structure.labels):
        ctx.at_diagram_line("ATL601", "no cost figure on the diagram: add a sourced currency figure, or "
                            "waive ATL601 with the reason none is public")
