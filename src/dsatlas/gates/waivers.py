"""Gate `waivers`: a waiver silences one code on one page, and must say why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import PageContext, Rule

if TYPE_CHECKING:
    from ..findings import Finding
    from ..results import PageSummary

RULES = [
    Rule("ATL006", "waivers", "waiver without a reason, for an unknown code, or for a code that cannot be waived",
         "What: each `waivers` entry names an existing, waivable code and gives a reason.\n"
         "Why: an unexplained waiver is a silenced alarm; a file that does not load cannot excuse itself.\n"
         "Example: `waivers: [{code: ATL601}]`.\nFix: add `reason:` saying why the rule does not apply.",
         waivable=False),
]


def check(ctx: PageContext) -> None:
    meta = ctx.page.meta
    if meta is None:
        return
    rules = ctx.rules
    for index, waiver in enumerate(meta.waivers):
        rule = rules.get(waiver.code)
        if rule is None:
            ctx.at_key("ATL006", f"waiver for unknown code {waiver.code}: see `dsatlas rules`",
                       "waivers", index, "code")
        elif not rule.waivable:
            ctx.at_key("ATL006", f"{waiver.code} cannot be waived: fix what it reports", "waivers", index, "code")
        if not (waiver.reason or "").strip():
            ctx.at_key("ATL006", f"waiver for {waiver.code} has no reason: say why it does not apply",
                       "waivers", index)


def waived_codes(meta) -> list[str]:
    """The codes a page's front matter waives: those with a reason (a bare waiver waives nothing)."""
    return [waiver.code for waiver in meta.waivers if (waiver.reason or "").strip()]


def apply(findings: list[Finding], summaries: list[PageSummary], rules: dict[str, Rule]) -> list[Finding]:
    """Drop the findings a page waived, except for codes whose rule cannot be waived."""
    waived = {summary.path: set(summary.waived) for summary in summaries}
    return [finding for finding in findings
            if finding.code not in waived.get(finding.path, ()) or not rules[finding.code].waivable]
