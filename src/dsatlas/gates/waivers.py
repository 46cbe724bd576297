"""Gate `waivers`: a waiver silences one code on one page, and must say why."""

from __future__ import annotations

from . import PageContext, Rule, known_codes

RULES = [
    Rule("ATL006", "waivers", "waiver without a reason, or for an unknown code",
         "What: each `waivers` entry names an existing code and gives a reason.\n"
         "Why: an unexplained waiver is a silenced alarm.\n"
         "Example: `waivers: [{code: ATL601}]`.\nFix: add `reason:` saying why the rule does not apply."),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None:
        return
    codes = known_codes()
    for index, waiver in enumerate(meta.waivers):
        if waiver.code not in codes:
            ctx.at_key("ATL006", f"waiver for unknown code {waiver.code}: see `dsatlas rules`",
                       "waivers", index, "code")
        if not (waiver.reason or "").strip():
            ctx.at_key("ATL006", f"waiver for {waiver.code} has no reason: say why it does not apply",
                       "waivers", index)
