"""Page ids for `dsatlas new` and `dsatlas progress`: slugs checked, paths from the kind table.

Everything a kind is (category, path, views, facts, needs) lives in `dsatlas.profiles`; this module
only turns a kind, a subject and a view into a safe page id, and says exactly what is wrong otherwise.
"""

from __future__ import annotations

from ..model import Kind, is_slug
from ..profiles import PROFILES
from ..profiles import classify as classify

COMPANY_KINDS = tuple(kind for kind, prof in PROFILES.items() if prof.facts == "company")
INCIDENT_KINDS = tuple(kind for kind, prof in PROFILES.items() if prof.facts == "incident")


class SlugError(ValueError):
    """A subject or view that cannot safely become a path under content/."""


def check_slug(value: str, what: str) -> str:
    """Return `value` if it is a safe slug; otherwise say exactly what is wrong with it."""
    if is_slug(value):
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
    fixed = prof.fixed_view
    if fixed is not None:
        if view is not None and view != fixed:
            raise SlugError(f"--view does not apply to {kind.value} pages: their view is always "
                            f"{fixed!r} ({prof.page_id(subject, fixed)})")
        return prof.page_id(subject, fixed)
    if view is None:
        if prof.views:
            raise SlugError(f"{kind.value} pages need --view, one of: {', '.join(prof.views)}")
        view = prof.default_view
    check_slug(view, "view")
    if prof.views and view not in prof.views:
        raise SlugError(f"{kind.value} view {view!r} is not one of: {', '.join(prof.views)}")
    return prof.page_id(subject, view)
