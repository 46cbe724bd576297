"""Gate `3am`: the page says what breaks, how it shows, and what to do."""

from __future__ import annotations

import re

from ..markdown import THREE_AM_HEADING as HEADING
from .base import PageContext, Rule

COLUMNS = ("symptom", "detection", "mitigation", "recovery")
MIN_ROWS = 3
THRESHOLD_RE = re.compile(
    r"(?:[<>≤≥]|=\s*0\b|\b(?:above|below|over|under|exceeds?|drops?|more than|less than|at least|at most|"
    r"falls?|rises?|spikes?)\b)",
    re.I,
)

RULES = [
    Rule("ATL701", "3am", "the 3 AM section is missing",
         f"What: a '## {HEADING}' section with a table.\n"
         "Why: the atlas exists for the engineer paged at 3 AM; a diagram alone does not say what to do.\n"
         "Example: a page that ends after the diagram.\nFix: add the section (docs/authoring.md)."),
    Rule("ATL702", "3am", "the 3 AM table is malformed or thin",
         "What: header Symptom | Detection | Mitigation | Recovery, at least 3 rows, no empty cell.\n"
         "Why: a half-filled row is worse than none when acting on it.\n"
         "Example: a row whose Recovery cell is empty.\nFix: fill every cell; add rows for real failure modes."),
    Rule("ATL703", "3am", "detection without a metric threshold",
         "What: each Detection cell has a number and a comparison (>, <, ≥, ≤, above, below, exceeds…).\n"
         "Why: 'watch latency' cannot page anyone; 'p99 > 200ms for 5 min' can.\n"
         "Example: 'High error rate'.\nFix: name the metric and the threshold that should alert."),
]


def check(ctx: PageContext) -> None:
    if ctx.page.meta is None or ctx.page.document is None:
        return
    heading_line, table = ctx.page.document.three_am
    if heading_line is None:
        ctx.at_line("ATL701", f"no '## {HEADING}' section: add it with the failure table",
                    ctx.page.body_line)
        return
    if table is None:
        ctx.at_line("ATL702", "the 3 AM section has no table: add | Symptom | Detection | Mitigation | "
                    "Recovery | and, under it, the |---|---|---|---| line that makes it a table", heading_line)
        return
    header = [cell.lower() for cell in table.header]
    if len(header) < 4 or any(not header[i].startswith(name) for i, name in enumerate(COLUMNS)):
        ctx.at_line("ATL702", "the table header must be | Symptom | Detection | Mitigation | Recovery |",
                    table.header_line)
        return
    if len(table.rows) < MIN_ROWS:
        ctx.at_line("ATL702", f"{len(table.rows)} row(s); describe at least {MIN_ROWS} failure modes",
                    table.header_line)
    for line, cells in table.rows:
        cells = cells + [""] * (4 - len(cells))
        for name, cell in zip(COLUMNS, cells[:4], strict=True):
            if not cell.strip() or cell.strip() in ("-", "–", "—", "n/a", "N/A"):
                ctx.at_line("ATL702", f"empty {name} cell: fill it", line)
        detection = cells[1]
        if detection.strip() and not (re.search(r"\d", detection) and THRESHOLD_RE.search(detection)):
            ctx.at_line("ATL703", f"detection {detection[:60]!r} needs a metric and a threshold, e.g. "
                        "'5xx rate > 1% for 5 min'", line)
