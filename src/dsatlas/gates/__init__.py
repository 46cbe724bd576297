"""The quality gates: one module per gate, one code per rule, one documented reason per code.

A gate module exports RULES (its codes, docs, severity and the kinds each applies to) and `check(ctx)`
(per page), `check_atlas(pages)` (across pages), or neither: `load` and `site` only register the codes
that the loader and the site build emit. `registry()` below is the only list of finding codes; the
CLI, SARIF output, progress and docs/authoring.md are generated from it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from ..findings import Finding
from ..profiles import Profile
from .base import PageContext, Rule

__all__ = ["PageContext", "Rule", "all_rules", "known_codes", "registry", "run_page_gates", "with_severity"]


def _modules():
    from . import (
        a11y,
        cost,
        depth,
        figures,
        hardware,
        incident_facts,
        layout,
        links,
        load,
        originality,
        placeholders,
        placement,
        planes,
        prose_safety,
        provenance,
        site,
        sources,
        syntax,
        threeam,
        waivers,
    )

    return [load, placement, syntax, planes, figures, provenance, sources, incident_facts, hardware, cost,
            threeam, placeholders, depth, layout, a11y, links, originality, prose_safety, waivers, site]


def page_gates():
    return [module for module in _modules() if hasattr(module, "check")]


def atlas_gates():
    return [module for module in _modules() if hasattr(module, "check_atlas")]


def run_page_gates(ctx: PageContext) -> None:
    """Run every page gate that has a rule applying to this page's profile (None: a bare diagram)."""
    ctx.rules = registry()
    for module in page_gates():
        if any(rule.applies(ctx.profile) for rule in module.RULES):
            module.check(ctx)


@cache
def registry() -> dict[str, Rule]:
    """Every rule by code: the only list of finding codes. Two rules with one code is a bug."""
    rules: dict[str, Rule] = {}
    for module in _modules():
        for rule in module.RULES:
            if rule.code in rules:
                raise RuntimeError(f"{rule.code} is registered twice ({rules[rule.code].gate}, {rule.gate})")
            rules[rule.code] = rule
    return dict(sorted(rules.items()))


def all_rules() -> list[Rule]:
    return list(registry().values())


def quality_gates(prof: Profile) -> set[str]:
    """The gates whose rules apply to a kind and count toward a page's quality in `dsatlas progress`."""
    return {rule.gate for rule in all_rules() if rule.quality and rule.applies(prof)}


def known_codes() -> set[str]:
    return set(registry())


def with_severity(findings: list[Finding]) -> list[Finding]:
    """Give each finding its rule's declared severity; a code with no rule is a dsatlas bug."""
    rules = registry()
    out = []
    for finding in findings:
        rule = rules.get(finding.code)
        if rule is None:
            raise RuntimeError(f"finding code {finding.code} is not a registered rule (dsatlas bug)")
        out.append(finding if finding.severity == rule.severity else replace(finding, severity=rule.severity))
    return out
