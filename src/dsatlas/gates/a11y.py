"""Gate `a11y`: diagrams have an accessible title and description, and readable colours."""

from __future__ import annotations

from ..diagram import contrast_ratio
from ..profiles import EVERY_DIAGRAM
from .base import PageContext, Rule

MIN_CONTRAST = 4.5

RULES = [
    Rule("ATL911", "a11y", "accTitle or accDescr missing",
         "What: the diagram declares `accTitle:` and `accDescr:`.\n"
         "Why: screen readers and search read these; an SVG without them is an unlabelled image.\n"
         "Example: a flowchart starting straight with nodes.\nFix: add both lines after the diagram type.",
         applies=EVERY_DIAGRAM),
    Rule("ATL912", "a11y", "text colour contrast below 4.5:1",
         f"What: every classDef/style pair of fill and text colour has WCAG contrast ≥ {MIN_CONTRAST}:1.\n"
         "Why: low-contrast labels are unreadable on a phone in a dark room.\n"
         "Example: `fill:#FF8800,color:#FFFFFF` (2.6:1).\nFix: use the plane colours or a darker/lighter text.",
         applies=EVERY_DIAGRAM),
]


def check(ctx: PageContext) -> None:
    structure = ctx.structure
    if structure is None:
        return
    missing = [name for name, value in (("accTitle", structure.acc_title), ("accDescr", structure.acc_descr))
               if not value.strip()]
    if missing:
        ctx.at_diagram_line("ATL911", f"add {' and '.join(missing)} to the diagram (what it shows, in words)")
    for where, fill, text, line in structure.style_pairs:
        ratio = contrast_ratio(fill, text)
        if ratio is not None and ratio < MIN_CONTRAST:
            ctx.at_diagram_line("ATL912", f"{where}: text {text} on {fill} has contrast {ratio:.1f}:1; "
                                f"needs ≥ {MIN_CONTRAST}:1", line)
