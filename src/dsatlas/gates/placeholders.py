"""Gate `placeholders`: no template leftovers on a page."""

from __future__ import annotations

import re

from ..profiles import EVERY_DIAGRAM
from .base import PageContext, Rule

PLACEHOLDER_RE = re.compile(
    r"\b(TODO|TBD|FIXME|XXX)\b|Lorem ipsum|\bX (?:req|requests|ops)/s(?:ec)?\b|(?<![\w$])\$[XYZ]\b"
    # `id{{…}}` is Mermaid's hexagon, not Jinja. A tag's text never holds its own opener, so a long run of
    # `{{` costs one scan, not one per opener.
    r"|\bService [A-D]\b|(?<!\w)\{\{(?:(?!\{\{)[^\n])*?\}\}|\{%(?:(?!\{%)[^\n])*?%\}"
)

RULES = [
    Rule("ATL801", "placeholders", "template placeholder left on the page",
         "What: no TODO, TBD, FIXME, XXX, Lorem ipsum, 'X req/s', '$X', 'Service A', '{{ … }}'.\n"
         "Why: a scaffold that looks finished is worse than a missing page.\n"
         "Example: 'EVCache<br/>X req/s'.\nFix: replace it with the sourced fact, or remove it.",
         applies=EVERY_DIAGRAM),
]


def check(ctx: PageContext) -> None:
    if not ctx.page.text:
        return
    text = ctx.page.text
    for match in PLACEHOLDER_RE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        ctx.at_line("ATL801", f"placeholder {match.group(0)!r}: replace it with the real content",
                    text.count("\n", 0, match.start()) + 1, match.start() - line_start + 1)
