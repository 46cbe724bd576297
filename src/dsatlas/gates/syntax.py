"""Gate `syntax`: Mermaid's own parser accepts the diagram, and the diagram carries no active content,
no configuration beyond a short allow-list, nothing that loads from another site and no `click`."""

from __future__ import annotations

import re

from ..diagram import CLICK_RE, OFFSITE_RE, UNSAFE_RE, ConfigBlock, config_blocks
from ..engine import MAX_TEXT_SIZE, text_size
from ..profiles import EVERY_DIAGRAM
from .base import PageContext, Rule

THEMES = ("default", "neutral", "dark", "forest", "base")
LOOKS = ("classic", "handDrawn")
# Diagram sections whose layout options (numbers, booleans, short words) a diagram may set for itself.
SECTIONS = ("flowchart", "sequence", "gantt", "journey", "timeline", "class", "state", "er", "pie",
            "quadrantChart", "xyChart", "requirement", "mindmap", "gitGraph", "sankey", "block", "packet",
            "architecture", "radar", "kanban")
# Keys no diagram may set, even inside a section: they change how labels become HTML.
NEVER = ("htmlLabels",)
_PLAIN_VALUE = re.compile(r"[\w #.,%+\-]{0,60}\Z")  # no ( ) ; : { } @ / < > quotes: nothing CSS or URL-like
ALLOWED = "theme, look, themeVariables (colours and sizes) and diagram-type sections such as flowchart"

RULES = [
    Rule("ATL101", "syntax", "Mermaid's parser rejects the diagram",
         "What: the pinned Mermaid release parses the diagram without error.\n"
         "Why: a diagram that does not parse renders as raw text, exactly when someone needs it.\n"
         "Example: 'a --> ' with no target.\nFix: correct the line named in the finding.", applies=EVERY_DIAGRAM),
    Rule("ATL102", "syntax", "script, javascript: link or event handler in a diagram",
         "What: no <script>, javascript: URLs or on…= handlers in diagram text.\n"
         "Why: diagrams are inlined into pages; active content is an injection vector.\n"
         "Example: 'a[\"<img src=x onerror=alert(1)>\"]'.\nFix: remove it; link pages in the prose instead.",
         applies=EVERY_DIAGRAM, waivable=False),
    Rule("ATL105", "syntax", "diagram configuration outside the allow-list, or a diagram that loads from a URL",
         "What: `%%{init: …}%%` directives and the diagram's front-matter `config:` may set only "
         f"{ALLOWED}, with plain values; no CSS import, url() or image source pointing at another site.\n"
         "Why: configuration can turn off Mermaid's security level, inject CSS (`themeCSS`, `fontFamily`) "
         "or make every reader's browser fetch a URL from a page that must work offline.\n"
         "Example: '%%{init: {\"themeCSS\": \"@import url(https://example.com/x.css)\"}}%%'.\n"
         "Fix: remove the key (style nodes with classDef and the plane colours), or keep the value plain.",
         applies=EVERY_DIAGRAM, waivable=False),
    Rule("ATL106", "syntax", "`click` directive in a diagram",
         "What: no `click` lines (callbacks or links) in diagrams.\n"
         "Why: the site's diagrams are static SVG, drawn offline with Mermaid's strict security level, so a "
         "click can never work; it only adds active content (Mermaid used to fail here with a misleading "
         "'URL is not defined').\n"
         "Example: 'click api \"https://example.com/api\"'.\nFix: delete the line; link the page in the prose.",
         applies=EVERY_DIAGRAM, waivable=False),
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
    clicked = False
    for number, line in enumerate(diagram.text.split("\n"), start=1):
        match = UNSAFE_RE.search(line)
        if match:
            ctx.at_diagram_line("ATL102", f"active content {match.group(0).strip()!r} in the diagram: "
                                "remove it", number, match.start() + 1)
        offsite = OFFSITE_RE.search(line)
        if offsite:
            ctx.at_diagram_line("ATL105", f"{offsite.group(0).strip()!r} would load from a URL in every reader's "
                                "browser: the site makes no request off itself; remove it", number,
                                offsite.start() + 1)
        if CLICK_RE.match(line):
            clicked = True
            ctx.at_diagram_line("ATL106", "`click` is refused: site diagrams are static SVG, so it can never "
                                "work; delete the line and link the page in the prose instead", number,
                                line.index("click") + 1)
    for block in config_blocks(diagram.text):
        for line, message in _config_problems(block):
            ctx.at_diagram_line("ATL105", message, line)
    if ctx.parse is not None and not ctx.parse.ok:
        if clicked and "URL is not defined" in ctx.parse.message:
            return  # Mermaid's way of failing on a click link: ATL106 above says what is wrong
        line = min(max(ctx.parse.line, 1), max(diagram.text.count("\n") + 1, 1))
        ctx.at_diagram_line("ATL101", re.sub(r"\s+", " ", ctx.parse.message), line, ctx.parse.col)


def _config_problems(block: ConfigBlock) -> list[tuple[int, str]]:
    """(diagram line, message) for each refused key of one directive or front matter."""
    if block.config is None:
        return [(block.line, block.problem)]
    out = []
    for path, value in _refused(block.config, ()):
        key = ".".join(path)
        reason = ("is not a key a diagram may set" if value is None else
                  f"has the value {value!r}, which is not plain (no brackets, colons, semicolons or quotes)")
        out.append((_line_of(block, path[-1]), f"{block.where} key {key!r} {reason}: allowed are {ALLOWED}"))
    return out


def _refused(config: dict, path: tuple) -> list[tuple[tuple, object]]:
    """(key path, value or None when the key itself is refused) for everything outside the allow-list."""
    found: list[tuple[tuple, object]] = []
    for key, value in config.items():
        here = (*path, str(key))
        if not path and key == "theme":
            if value not in THEMES:
                found.append((here, value))
        elif not path and key == "look":
            if value not in LOOKS:
                found.append((here, value))
        elif not path and key in ("themeVariables", *SECTIONS) and isinstance(value, dict):
            for inner, item in value.items():
                inner_path = (*here, str(inner))
                if inner in NEVER or isinstance(item, dict | list):
                    found.append((inner_path, None))
                elif not _plain(item):
                    found.append((inner_path, item))
        else:
            found.append((here, None))
    return found


def _plain(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float) or (
        isinstance(value, str) and bool(_PLAIN_VALUE.match(value)))


def _line_of(block: ConfigBlock, key: str) -> int:
    for offset, text in enumerate(block.lines):
        if key in text:
            return block.line + offset + (1 if block.where == "front matter" else 0)
    return block.line
