"""What each page kind needs and where its page lives: the table `dsatlas new` and `progress` read.

Paths and gate profiles come from `dsatlas.profiles` (one table for the whole toolchain); this module
adds what only authoring needs: the views a kind allows, and which facts its template draws on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import SLUG_RE, Kind
from ..profiles import INCIDENT_VIEWS, PROFILES

GUARANTEE_VIEWS = ("contract", "implementation", "anomaly", "trade-offs", "testing", "violation")
DEFAULT_VIEW = "overview"

COMPANY_KINDS = tuple(kind for kind, prof in PROFILES.items() if prof.facts == "company")
INCIDENT_KINDS = tuple(kind for kind, prof in PROFILES.items() if prof.facts == "incident")

_COMPANY_NEEDS = "data/companies/<subject>.yaml: name, summary, sources"


@dataclass(frozen=True)
class KindSpec:
    needs: str  # the facts the template draws on, for `dsatlas new --list`
    views: tuple[str, ...] = ()  # the allowed views; empty: any slug (default "overview")


SPECS: dict[Kind, KindSpec] = {
    Kind.architecture: KindSpec(f"{_COMPANY_NEEDS}; systems in all four planes; a cost fact ($…); a "
                                "technology with a version"),
    Kind.request_flow: KindSpec(f"{_COMPANY_NEEDS}; edge, service and state systems"),
    Kind.storage: KindSpec(f"{_COMPANY_NEEDS}; state systems with technology and versions; service systems"),
    Kind.failure_domains: KindSpec(f"{_COMPANY_NEEDS}; regions; systems per plane"),
    Kind.scale_evolution: KindSpec(f"{_COMPANY_NEEDS}; systems with `since` years; scale facts"),
    Kind.cost_breakdown: KindSpec(f"{_COMPANY_NEEDS}; cost facts ($…); systems per plane"),
    Kind.novel_solutions: KindSpec(f"{_COMPANY_NEEDS}; systems with `what`, `since` and their facts"),
    Kind.production_ops: KindSpec(f"{_COMPANY_NEEDS}; control-plane systems and their facts"),
    Kind.incident_timeline: KindSpec("data/incidents/<subject>.yaml: started, detected, mitigated, resolved "
                                     "(UTC), timeline events with sources, lessons"),
    Kind.incident_cascade: KindSpec("data/incidents/<subject>.yaml: trigger, root_cause, "
                                    "contributing_factors, impact, started/resolved"),
    Kind.guarantee: KindSpec("sources only (no facts file); the view picks the diagram", GUARANTEE_VIEWS),
    Kind.mechanism: KindSpec("sources only (no facts file)"),
    Kind.pattern: KindSpec("sources only (no facts file)"),
    Kind.performance: KindSpec("sources only (no facts file): the benchmark's published numbers"),
    Kind.debugging: KindSpec("sources only (no facts file)"),
    Kind.migration: KindSpec("sources only (no facts file)"),
    Kind.cost_analysis: KindSpec("sources only (no facts file): published prices or costs ($…)"),
    Kind.capacity: KindSpec("sources only (no facts file): the inputs of the capacity arithmetic"),
    Kind.comparison: KindSpec("sources only (no facts file)"),
    Kind.decision: KindSpec("sources only (no facts file)"),
}

# content/<category>/… → kind, for the kinds whose category holds only them
_CATEGORY_KIND = {prof.category: kind for kind, prof in PROFILES.items() if prof.facts is None}
_INCIDENT_VIEW_KIND = {view: kind for kind, view in INCIDENT_VIEWS.items()}


class SlugError(ValueError):
    """A subject or view that cannot safely become a path under content/."""


def check_slug(value: str, what: str) -> str:
    """Return `value` if it is a safe slug; otherwise say exactly what is wrong with it."""
    if SLUG_RE.match(value):
        return value
    if not value:
        problem = "is empty"
    elif ".." in value or "/" in value or "\\" in value or value.startswith("~"):
        problem = "is a path, not a name: no '/', '\\', '..' or '~'"
    elif any(ch.isspace() for ch in value):
        problem = "contains whitespace: use '-' between words"
    elif value != value.lower():
        problem = "has capital letters: slugs are lowercase"
    else:
        odd = sorted({ch for ch in value if not (ch.isascii() and (ch.isalnum() or ch == "-"))})
        problem = (f"contains {' '.join(repr(ch) for ch in odd)}" if odd
                   else "must start with a letter or digit")
    raise SlugError(f"{what} {value!r} {problem}; use lowercase a-z, 0-9 and '-', starting with a letter "
                    "or digit (e.g. 'netflix', 'aws-s3-2017')")


def page_id(kind: Kind, subject: str, view: str | None = None) -> str:
    """The id (path under content/ without .md) a new page of this kind and subject gets."""
    check_slug(subject, "subject")
    prof = PROFILES[kind]
    if prof.facts is not None:
        fixed = INCIDENT_VIEWS.get(kind, kind.value)
        if view is not None and view != fixed:
            raise SlugError(f"--view does not apply to {kind.value} pages: their view is always "
                            f"{fixed!r} ({prof.path.format(subject=subject, kind=kind.value, view=fixed)})")
        return prof.path.format(subject=subject, kind=kind.value, view=INCIDENT_VIEWS.get(kind, ""))
    spec = SPECS[kind]
    if view is None:
        if spec.views:
            raise SlugError(f"{kind.value} pages need --view, one of: {', '.join(spec.views)}")
        view = DEFAULT_VIEW
    check_slug(view, "view")
    if spec.views and view not in spec.views:
        raise SlugError(f"{kind.value} view {view!r} is not one of: {', '.join(spec.views)}")
    return prof.path.format(subject=subject, kind=kind.value, view=view)


def classify(page_id: str) -> tuple[Kind, str, str] | None:
    """(kind, subject, view) of a page id laid out as profiles.py says; None for anything else."""
    parts = page_id.split("/")
    if len(parts) != 3:
        return None
    category, subject, view = parts
    if category == PROFILES[Kind.architecture].category:
        try:
            kind = Kind(view)
        except ValueError:
            return None
        return (kind, subject, view) if kind in COMPANY_KINDS else None
    if category == PROFILES[Kind.incident_timeline].category:
        kind = _INCIDENT_VIEW_KIND.get(view)
        return (kind, subject, view) if kind else None
    kind = _CATEGORY_KIND.get(category)
    return (kind, subject, view) if kind else None
