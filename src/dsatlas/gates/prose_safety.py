"""Gate `prose_safety`: nothing in a page's prose (3 AM cells included) becomes active HTML or an off-site request.

The prose is rendered with the site's own Markdown engine and extensions (`dsatlas.safe.refusals`), so
the gate sees what a reader's browser would get: raw HTML, `{: …}` attribute lists, inline and
reference-style links, images.
"""

from __future__ import annotations

from ..safe import refusals
from .base import PageContext, Rule

RULES = [
    Rule("ATL103", "prose_safety", "raw HTML or an attribute list setting attributes in page prose",
         "What: page prose and 3 AM cells are Markdown only: no raw HTML tags or comments, and `{: …}` "
         "attribute lists set only ids and classes.\n"
         "Why: the site is published from untrusted pull requests; raw HTML or an `onclick` attribute "
         "runs script in every reader's browser.\n"
         "Example: 'Failover <img src=x onerror=alert(1)> takes 30 s' or '# Title {: onclick=\"…\" }'.\n"
         "Fix: write it in Markdown; to show the characters themselves, put them in `code` or write &lt;.",
         waivable=False),
    Rule("ATL104", "prose_safety", "link or image target the site refuses",
         "What: links in prose go to http(s) addresses, relative pages or #headings; images are files in "
         "the atlas.\n"
         "Why: a javascript: or data: link runs script when clicked; an image from another site is a "
         "request every reader's browser makes, from a site that must work offline.\n"
         "Example: '[runbook](javascript:alert(1))' or '![graph](https://example.com/g.png)'.\n"
         "Fix: link an http(s) address or a page; save images in the atlas and link them relatively.",
         waivable=False),
]


def check(ctx: PageContext) -> None:
    if ctx.page.meta is None:
        return
    for refusal in refusals(ctx.page.body, ctx.page.body_line):
        ctx.at_line(refusal.code, refusal.message, refusal.line, refusal.col)
