"""The plan (`data/plan.yaml`): which pages the atlas should have, and the weekly targets.

The plan is a pydantic model like every other record, so a typo in it is a located error. Matching
pages to the plan is by path: `content/<category>/<subject>/<view>.md`, read with `kinds.classify`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, model_validator

from ..findings import Finding
from ..loader import duplicate_key_findings, read_text, validate
from ..model import Kind, Slug, Strict
from ..profiles import PROFILES
from ..yamlpos import YamlSyntaxError, load_yaml

PLAN_FILE = Path("data") / "plan.yaml"


class PlanGroup(Strict):
    """Pages for named subjects (and slots for subjects not chosen yet) × kinds × views."""

    kinds: list[Kind] = Field(min_length=1)
    subjects: list[Slug] = Field(default_factory=list)
    unnamed_subjects: int = Field(default=0, ge=0, description="Slots for subjects not chosen yet.")
    views: list[Slug] = Field(default_factory=list, description="Named views; each subject gets all of them.")
    views_per_subject: int | None = Field(default=None, ge=1, description="Pages per subject and kind when "
                                          "the views are not named (default 1).")

    @model_validator(mode="after")
    def _shape(self) -> PlanGroup:
        if not self.subjects and not self.unnamed_subjects:
            raise ValueError("a group needs `subjects` or `unnamed_subjects`")
        if self.views and self.views_per_subject is not None and self.views_per_subject != len(self.views):
            raise ValueError("give either `views` or `views_per_subject`, not both")
        return self

    @property
    def per_subject(self) -> int:
        return len(self.views) or self.views_per_subject or 1

    @property
    def planned(self) -> int:
        return (len(self.subjects) + self.unnamed_subjects) * len(self.kinds) * self.per_subject


class PlanCategory(Strict):
    title: str
    groups: list[PlanGroup] = Field(min_length=1)

    @property
    def planned(self) -> int:
        return sum(group.planned for group in self.groups)


class Plan(Strict):
    start: dt.date = Field(description="First day of plan week 1; weeks are ISO weeks (Monday to Sunday).")
    weekly_targets: list[int] = Field(min_length=1, description="Pages to land in each plan week.")
    categories: dict[Slug, PlanCategory]

    @model_validator(mode="after")
    def _kinds_in_their_category(self) -> Plan:
        for name, category in self.categories.items():
            for group in category.groups:
                for kind in group.kinds:
                    home = PROFILES[kind].category
                    if home != name:
                        raise ValueError(f"categories.{name}: {kind.value} pages live in content/{home}/, "
                                         f"so they belong under categories.{home}")
        if any(target < 0 for target in self.weekly_targets):
            raise ValueError("weekly_targets must not be negative")
        return self

    @property
    def planned(self) -> int:
        return sum(category.planned for category in self.categories.values())

    @property
    def first_monday(self) -> dt.date:
        return monday(self.start)

    @property
    def end(self) -> dt.date:
        """The Sunday that closes the last plan week."""
        return self.first_monday + dt.timedelta(days=7 * len(self.weekly_targets) - 1)

    def week_number(self, day: dt.date) -> int:
        """1 for the week holding `start`; 0 or less before it; beyond len(weekly_targets) after."""
        return (monday(day) - self.first_monday).days // 7 + 1

    def target(self, number: int) -> int:
        return self.weekly_targets[number - 1] if 1 <= number <= len(self.weekly_targets) else 0

    def cumulative_target(self, number: int) -> int:
        return sum(self.weekly_targets[: max(0, min(number, len(self.weekly_targets)))])


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class PlanError(Exception):
    """data/plan.yaml is missing or wrong; `findings` say where."""

    def __init__(self, findings: list[Finding]):
        super().__init__("\n".join(finding.human() for finding in findings))
        self.findings = findings


def load_plan(root: Path) -> Plan:
    path = root / PLAN_FILE
    shown = PLAN_FILE.as_posix()
    if not path.is_file():
        raise PlanError([Finding(shown, 1, 1, "ATL004", "no plan: write data/plan.yaml (docs/authoring-tools.md "
                                 "shows the format)")])
    text, findings = read_text(path, shown)
    if text is None:
        raise PlanError(findings)
    try:
        positioned = load_yaml(text)
    except YamlSyntaxError as err:
        raise PlanError([Finding(shown, err.line, err.col, "ATL003", err.message)]) from None
    plan, errors = validate(Plan, positioned.data, shown, positioned.locate)
    errors = duplicate_key_findings(positioned, shown) + errors
    if plan is None or errors:
        raise PlanError(errors)
    return plan


@dataclass
class Coverage:
    """The pages of one category, matched against its planned slots."""

    category: str
    planned: int
    matched: list[str] = field(default_factory=list)  # page ids that fill a planned slot
    unplanned: list[str] = field(default_factory=list)  # pages of this category beyond the plan


def match_pages(plan: Plan, pages: dict[str, tuple[Kind, str, str]]) -> dict[str, Coverage]:
    """Fill each category's planned slots with existing pages; what fills no slot is 'unplanned'.

    Named subjects take their own pages first (a view must be one of the named views, and no subject
    and kind gets more than its views_per_subject); the other subjects then fill unnamed slots.
    """
    result: dict[str, Coverage] = {}
    for name, category in plan.categories.items():
        mine = {page_id: info for page_id, info in pages.items() if PROFILES[info[0]].category == name}
        named = {subject for group in category.groups for subject in group.subjects}
        used: set[str] = set()
        for group in category.groups:
            views = set(group.views)
            for subject in group.subjects:
                for kind in group.kinds:
                    candidates = sorted(page_id for page_id, (k, s, v) in mine.items()
                                        if k is kind and s == subject and page_id not in used
                                        and (not views or v in views))
                    used.update(candidates[: group.per_subject])
        for group in category.groups:
            if not group.unnamed_subjects:
                continue
            taken: dict[tuple[str, Kind], int] = {}
            room = group.unnamed_subjects * len(group.kinds) * group.per_subject
            for page_id in sorted(mine):
                kind, subject, _ = mine[page_id]
                if room == 0:
                    break
                if page_id in used or subject in named or kind not in group.kinds:
                    continue
                if taken.get((subject, kind), 0) >= group.per_subject:
                    continue
                taken[(subject, kind)] = taken.get((subject, kind), 0) + 1
                used.add(page_id)
                room -= 1
        result[name] = Coverage(name, category.planned, sorted(used),
                                sorted(page_id for page_id in mine if page_id not in used))
    return result
