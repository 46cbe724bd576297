"""Gate `placement`: a page sits where its kind and subject say (the kind table's path)."""

from __future__ import annotations

from .base import PageContext, Rule

RULES = [
    Rule("ATL007", "placement", "page is not where its kind and subject say",
         "What: content/<category>/<subject>/<view>.md as the kind's profile says (`dsatlas rules` lists\n"
         "the paths); the subject and the view are one folder name each.\n"
         "Why: ids are paths; navigation, progress and links are generated from them.\n"
         "Example: kind storage, subject netflix, at content/misc/evcache.md.\n"
         "Fix: move the file to the path in the message.", waivable=False),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None or ctx.page.id is None or ctx.profile is None:
        return
    placed = ctx.profile.place(ctx.page.id)
    if placed is not None and placed[0] == meta.subject:
        return
    view = ctx.profile.fixed_view or (placed[1] if placed else "<view>")
    allowed = f" (<view> is one of: {', '.join(ctx.profile.views)})" if len(ctx.profile.views) > 1 else ""
    ctx.at_key("ATL007", f"a {meta.kind.value} page about {meta.subject!r} belongs at "
               f"content/{ctx.profile.page_id(meta.subject, view)}.md{allowed}, not content/{ctx.page.id}.md",
               "kind")
