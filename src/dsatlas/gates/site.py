"""Codes the site build emits (no check of its own): what `dsatlas build` refuses to publish."""

from __future__ import annotations

from .base import Rule

RULES = [
    Rule("ATL981", "site", "page id takes a path the site generates",
         "What: no page may sit at a path the site builds itself: an index page at any level, or index,\n"
         "tags, symptoms, signals, progress, assets and search at the top of content/.\n"
         "Why: the generated page would silently replace the author's, or the other way round.\n"
         "Example: content/symptoms.md.\nFix: rename the file.", waivable=False, quality=False),
    Rule("ATL982", "site", "diagram did not render",
         "What: headless Chromium renders every diagram to SVG with the pinned Mermaid.\n"
         "Why: a page whose diagram failed to render would publish an error box instead of the system.\n"
         "Example: a diagram Mermaid parses but cannot lay out, or a render that times out.\n"
         "Fix: the message has Mermaid's error; simplify or split the diagram.", waivable=False, quality=False),
    Rule("ATL983", "site", "diagram labels too small to read at the site's width",
         "What: at the site's diagram width (a 1400 px window), the rendered SVG's labels are at least 11 px:\n"
         "a diagram wider than the page is scaled down, and its 16 px labels shrink with it.\n"
         "Why: a diagram nobody can read at 3 AM is decoration; zoom is a fallback, not the view.\n"
         "Example: a left-to-right timeline 2,684 px wide, shown at 1,106 px: labels at 6.6 px.\n"
         "Fix: draw top-to-bottom, shorten labels, or split the view into two pages.",
         waivable=False, quality=False),
]
