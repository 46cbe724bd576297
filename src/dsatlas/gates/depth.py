"""Gate `depth`: a page's context is long enough to explain its diagram, and short enough to read at 3 AM."""

from __future__ import annotations

from .base import PageContext, Rule

CONTEXT_WORDS = (150, 300)  # design §9: "Context: 150–300 words in operator terms"
LOW, HIGH = CONTEXT_WORDS

RULES = [
    Rule("ATL802", "depth", "context shorter or longer than the page needs",
         f"What: the page's prose (its paragraphs, list items and quotes; not headings, tables, diagrams or "
         f"link targets) holds {LOW}–{HIGH} words.\n"
         "Why: below that the diagram's numbers go unexplained (what is normal, where it bends); above it "
         "the on-call engineer scrolls past the answer.\n"
         "Example: a mechanism page with one 70-word paragraph under its title.\n"
         "Fix: say in your own words what the reader looks at, where it bends and what the numbers mean; "
         "split a page that needs more into views."),
]


def check(ctx: PageContext) -> None:
    document = ctx.page.document
    if document is None or ctx.profile is None:
        return
    words = document.prose_words
    line = document.prose_line or document.body_line
    if words < LOW:
        ctx.at_line("ATL802", f"context has {words} words, at least {LOW} are needed: say what the reader looks "
                    "at, where it bends and what its numbers mean", line)
    elif words > HIGH:
        ctx.at_line("ATL802", f"context has {words} words, at most {HIGH} read well at 3 AM: cut it, or split "
                    "the page into views", line)
