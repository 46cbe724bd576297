"""Gate `syntax`: Mermaid's own parser accepts the diagram, and the diagram carries no active content."""

from __future__ import annotations

import re

from ..diagram import UNSAFE_RE
from ..engine import MAX_TEXT_SIZE, text_size
from ..profiles import EVERY_DIAGRAM
from .base import PageContext, Rule

RULES = [
    Rule("ATL101", "syntax", "Mermaid's parser rejects the diagram",
         "What: the pinned Mermaid release parses the diagram without error.\n"
         "Why: a diagram that does not parse renders as raw text, exactly when someone needs it.\n"
         "Example: 'a --> ' with no target.\nFix: correct the line named in the finding.", applies=EVERY_DIAGRAM),
    Rule("ATL102", "syntax", "script, javascript: link or event handler in a diagram",
         "What: no <script>, javascript: URLs, on…= handlers or click callbacks in diagram text.\n"
         "Why: diagrams are inlined into pages; active content is an injection vector.\n"
         "Example: 'a[\"<img src=x onerror=alert(1)>\"]'.\nFix: remove it; link pages in the prose instead.",
         applies=EVERY_DIAGRAM),
    Rule("ATL107", "syntax", "diagram is longer than Mermaid's text limit",
         f"What: a diagram's text is at most {MAX_TEXT_SIZE:,} characters (Mermaid's maxTextSize, counting "
         "comments).\n"
         "Why: past it Mermaid draws a 'Maximum text size in diagram exceeded' box instead of the diagram, so "
         "the published page shows an error where the picture should be. Such a diagram is not parsed.\n"
         "Example: a generated flowchart with 3,000 nodes.\n"
         "Fix: split the view into several pages, or drop detail nobody reads at 3 AM.", applies=EVERY_DIAGRAM),
]


def check(ctx: PageContext) -> None:
    diagram = ctx.page.diagram
    if diagram is None:
        return
    size = text_size(diagram.text)
    if size > MAX_TEXT_SIZE:
        ctx.at_diagram_line("ATL107", f"the diagram is {size:,} characters; Mermaid draws at most "
                            f"{MAX_TEXT_SIZE:,} and shows an error box instead: split it into smaller views")
    for number, line in enumerate(diagram.text.split("\n"), start=1):
        match = UNSAFE_RE.search(line)
        if match:
            ctx.at_diagram_line("ATL102", f"active content {match.group(0).strip()!r} in the diagram: "
                                "remove it", number, match.start() + 1)
    if ctx.parse is not None and not ctx.parse.ok:
        line = min(max(ctx.parse.line, 1), max(diagram.text.count("\n") + 1, 1))
        ctx.at_diagram_line("ATL101", re.sub(r"\s+", " ", ctx.parse.message), line, ctx.parse.col)
