"""`dsatlas progress` and the dashboard: the plan, the gate results and git history, in one report.

- planned / written: the plan's slots per category, and the pages that fill them (`plan.match_pages`);
- passing: written pages with no error from `dsatlas check` (the real checker, cached);
- quality: the share of (page, applicable gate) checks that pass;
- velocity: pages per ISO week by the date each first landed (`history.first_landings`);
- pace: pages per week over the last 28 days (at least 7 days, so one busy day is not a week);
- trend: least-squares slope of the last six complete weeks (rising ≥ +1 page/week², falling ≤ −1);
- projection: today + remaining pages ÷ pace, against the plan's last day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import safe
from ..check import run_check
from ..gates import all_rules, quality_gates
from ..loader import CONTENT_DIR
from ..profiles import PROFILES
from ..results import CheckResult
from . import charts
from .history import HistoryUnavailable, first_landings
from .kinds import classify
from .plan import Plan, iso_week, load_plan, match_pages, monday

PACE_WINDOW_DAYS = 28
MIN_PACE_DAYS = 7
TREND_WEEKS = 6
TREND_THRESHOLD = 1.0  # pages per week, per week


@dataclass
class CategoryRow:
    name: str
    title: str
    planned: int
    written: int
    passing: int
    unplanned: int
    checks: int  # (page, gate) pairs that apply to the written pages
    checks_passed: int

    @property
    def quality(self) -> float | None:
        return self.checks_passed / self.checks if self.checks else None


@dataclass
class WeekRow:
    week: str  # ISO week, e.g. 2026-W48
    monday: dt.date
    plan_week: int | None  # 1…len(weekly_targets) inside the plan
    target: int
    planned_cumulative: int
    landed: int | None  # None for weeks still to come
    cumulative: int | None


@dataclass
class Report:
    today: dt.date
    start: dt.date
    plan_end: dt.date
    categories: list[CategoryRow]
    total: CategoryRow
    weeks: list[WeekRow]
    landed_total: int
    pace: float  # pages per week over the pace window
    pace_days: int
    trend: str  # rising, steady, falling, or n/a
    trend_slope: float | None
    remaining: int
    needed_pace: float | None  # pages per week to finish on the plan's last day
    completion: dt.date | None
    days_late: int | None  # completion − plan end; negative is early
    unplaced: list[str] = field(default_factory=list)  # pages outside any planned category or layout
    history_note: str | None = None

    def to_json(self) -> dict:
        def plain(value):
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        data = plain(asdict(self))
        for row, source in zip([*data["categories"], data["total"]], [*self.categories, self.total], strict=True):
            row["quality"] = None if source.quality is None else round(source.quality, 4)
        return data


def _gate_of_code() -> dict[str, str]:
    return {rule.code: rule.gate for rule in all_rules()}




def build_report(root: Path, today: dt.date | None = None, plan: Plan | None = None, jobs: int | None = None,
                 use_cache: bool = True, progress: Callable[[int, int], None] | None = None,
                 checked: CheckResult | None = None) -> Report:
    """Everything `dsatlas progress` prints; runs the real checker over content/ (cached), unless the
    caller already has a check result covering content/ (`dsatlas build` does) and passes it."""
    today = today or dt.date.today()
    plan = plan or load_plan(root)
    content = root / CONTENT_DIR
    files = sorted(content.rglob("*.md")) if content.is_dir() else []
    pages, unplaced = {}, []
    for path in files:
        page_id = path.relative_to(content).with_suffix("").as_posix()
        info = classify(page_id)
        if info is None or PROFILES[info[0]].category not in plan.categories:
            unplaced.append(page_id)
        else:
            pages[page_id] = info
    errors: dict[str, set[str]] = {page_id: set() for page_id in pages}
    if files:
        result = checked or run_check([content], root, jobs=jobs, use_cache=use_cache, progress=progress)
        for finding in result.findings:
            if finding.severity != "error" or not finding.path.startswith(f"{CONTENT_DIR}/"):
                continue
            page_id = finding.path[len(CONTENT_DIR) + 1:].removesuffix(".md")
            if page_id in errors:
                errors[page_id].add(finding.code)
    gate_of = _gate_of_code()
    coverage = match_pages(plan, pages)
    rows = []
    for name, category in plan.categories.items():
        cov = coverage[name]
        checks = passed = passing = 0
        for page_id in cov.matched:
            applicable = quality_gates(PROFILES[pages[page_id][0]])
            failed = {gate_of.get(code, "load") for code in errors[page_id]}
            checks += len(applicable)
            passed += len(applicable - failed)
            passing += not errors[page_id]
        rows.append(CategoryRow(name, category.title, cov.planned, len(cov.matched), passing, len(cov.unplanned),
                                checks, passed))
    total = CategoryRow("total", "All categories", *(sum(getattr(row, key) for row in rows) for key in
                        ("planned", "written", "passing", "unplanned", "checks", "checks_passed")))
    try:
        landings = first_landings(root)
        note = None
    except HistoryUnavailable as err:
        landings, note = {}, f"no git history ({err}): velocity counts nothing"
    return _with_velocity(plan, today, rows, total, landings, unplaced, note)


def _with_velocity(plan: Plan, today: dt.date, rows: list[CategoryRow], total: CategoryRow,
                   landings: dict[str, dt.date], unplaced: list[str], note: str | None) -> Report:
    landed_days = sorted(day for day in landings.values() if day <= today)
    per_week: dict[dt.date, int] = {}
    for day in landed_days:
        per_week[monday(day)] = per_week.get(monday(day), 0) + 1
    first = min([plan.first_monday, *(monday(day) for day in landed_days[:1])])
    last = max(monday(today), monday(plan.end))
    this_week = monday(today)
    weeks, cumulative, week = [], 0, first
    while week <= last:
        number = plan.week_number(week)
        in_plan = 1 <= number <= len(plan.weekly_targets)
        landed = per_week.get(week, 0) if week <= this_week else None
        if landed is not None:
            cumulative += landed
        weeks.append(WeekRow(iso_week(week), week, number if in_plan else None, plan.target(number),
                             plan.cumulative_target(number), landed, cumulative if landed is not None else None))
        week += dt.timedelta(days=7)
    pace, pace_days = _pace(landed_days, today)
    slope = _trend_slope(weeks, this_week, landed_days)
    trend = "n/a" if slope is None else ("rising" if slope >= TREND_THRESHOLD else
                                         "falling" if slope <= -TREND_THRESHOLD else "steady")
    remaining = max(0, total.planned - total.written)
    if remaining == 0:
        completion = today
    elif pace > 0:
        completion = today + dt.timedelta(days=math.ceil(remaining / pace * 7))
    else:
        completion = None
    days_left = (plan.end - today).days + 1
    needed = remaining / (days_left / 7) if days_left > 0 else None
    return Report(today, plan.start, plan.end, rows, total, weeks, len(landed_days), pace, pace_days, trend, slope,
                  remaining, needed, completion, (completion - plan.end).days if completion else None, unplaced,
                  note)


def _pace(landed_days: list[dt.date], today: dt.date) -> tuple[float, int]:
    """Pages per week over the last PACE_WINDOW_DAYS (or since the first landing, but at least 7 days)."""
    if not landed_days:
        return 0.0, 0
    window_start = max(today - dt.timedelta(days=PACE_WINDOW_DAYS - 1), landed_days[0])
    days = max((today - window_start).days + 1, MIN_PACE_DAYS)
    count = sum(1 for day in landed_days if window_start <= day <= today)
    return count * 7 / days, days


def _trend_slope(weeks: list[WeekRow], this_week: dt.date, landed_days: list[dt.date]) -> float | None:
    """Least-squares slope of pages per week over the last complete weeks since the first landing."""
    if not landed_days:
        return None
    start = monday(landed_days[0])
    values = [row.landed for row in weeks if start <= row.monday < this_week and row.landed is not None]
    values = values[-TREND_WEEKS:]
    if len(values) < 2:
        return None
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    denominator = sum((x - mean_x) ** 2 for x in range(n))
    return numerator / denominator


# ---- output ----------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _projection_sentence(report: Report) -> str:
    if report.remaining == 0:
        return "the plan is complete"
    if report.completion is None:
        return "no page has landed in the pace window, so there is no projected completion date"
    late = report.days_late or 0
    when = (f"{late} day(s) after" if late > 0 else f"{-late} day(s) before" if late < 0 else "on")
    return (f"at {report.pace:.1f} pages/week the remaining {report.remaining} pages land by "
            f"{report.completion.isoformat()}, {when} the plan's end ({report.plan_end.isoformat()})")


def render_human(report: Report) -> str:
    current = next((row for row in report.weeks if row.monday == monday(report.today)), None)
    where = (f"plan week {current.plan_week} of {len([w for w in report.weeks if w.plan_week])}"
             if current and current.plan_week else "outside the plan's weeks")
    lines = [f"Progress against data/plan.yaml as of {report.today.isoformat()} ({iso_week(report.today)}, {where})",
             ""]
    header = f"{'category':14} {'planned':>7} {'written':>7} {'passing':>7} {'quality':>8} {'unplanned':>9}"
    lines += [header, "-" * len(header)]
    for row in [*report.categories, report.total]:
        if row is report.total:
            lines.append("-" * len(header))
        lines.append(f"{row.name:14} {row.planned:7} {row.written:7} {row.passing:7} {_percent(row.quality):>8} "
                     f"{row.unplanned:9}")
    if report.unplaced:
        lines.append(f"\n{len(report.unplaced)} page(s) outside the plan's layout: {', '.join(report.unplaced[:5])}"
                     + (" …" if len(report.unplaced) > 5 else ""))
    lines += ["", "Velocity: pages by the ISO week they first landed (git history)", "",
              f"{'week':9} {'plan':>4} {'target':>6} {'landed':>6} {'cumulative':>10} {'plan cumul.':>11}"]
    for row in report.weeks:
        if row.landed is None and row.plan_week is None:
            continue
        lines.append(f"{row.week:9} {row.plan_week or '':>4} {row.target:6} "
                     f"{'' if row.landed is None else row.landed:>6} "
                     f"{'' if row.cumulative is None else row.cumulative:>10} {row.planned_cumulative:11}")
    lines.append("")
    if report.history_note:
        lines.append(report.history_note)
    trend = (f"{report.trend} ({report.trend_slope:+.1f} pages/week per week over the last complete weeks)"
             if report.trend_slope is not None else "n/a (fewer than two complete weeks of history)")
    lines.append(f"Pace: {report.pace:.1f} pages/week over the last {report.pace_days} day(s); trend: {trend}")
    if report.needed_pace is not None and report.remaining:
        lines.append(f"Needed: {report.needed_pace:.1f} pages/week to finish by {report.plan_end.isoformat()}")
    lines.append(f"Projection: {_projection_sentence(report)}")
    return "\n".join(lines)


def render_dashboard(report: Report) -> str:
    """The dashboard page: a summary, three inline SVG charts, and the numbers behind them as tables."""
    total = report.total
    labels = [row.week.split("-")[1] for row in report.weeks]
    weekly = charts.weekly_chart(
        "dsatlas-velocity", labels, [row.landed for row in report.weeks], [row.target for row in report.weeks],
        "Pages landed per week against the weekly target",
        f"Bars show pages first landed in each ISO week; the dashed line is the plan's target. "
        f"Pace {report.pace:.1f} pages per week.")
    cumulative = charts.cumulative_chart(
        "dsatlas-cumulative", labels, [row.cumulative for row in report.weeks],
        [row.planned_cumulative for row in report.weeks],
        "Pages landed so far against the plan",
        f"{report.landed_total} pages landed by {report.today.isoformat()}; the plan reaches {total.planned} "
        f"on {report.plan_end.isoformat()}.")
    coverage = charts.coverage_chart(
        "dsatlas-coverage", [(row.name, row.planned, row.written, row.passing) for row in report.categories],
        "Coverage by category", "For each category: planned pages (outline), written (blue) and passing every "
        "gate (green).")
    out = [
        "# Progress",
        "",
        f"As of {report.today.isoformat()}: **{total.written} of {total.planned}** planned diagrams are written "
        f"and **{total.passing}** pass every quality gate; the quality score (share of gate checks passed) is "
        f"**{_percent(total.quality)}**. Pace: {report.pace:.1f} pages per week (trend: {report.trend}); "
        f"{_projection_sentence(report)}.",
        "",
        "## Weekly velocity against the target",
        "",
        f'<div class="dsatlas-chart">\n{weekly}\n</div>',
        "",
        "## Cumulative pages against the plan",
        "",
        f'<div class="dsatlas-chart">\n{cumulative}\n</div>',
        "",
        "## Coverage by category",
        "",
        f'<div class="dsatlas-chart">\n{coverage}\n</div>',
        "",
        "| Category | Planned | Written | Passing | Quality | Unplanned |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in [*report.categories, total]:
        name = f"**{safe.text(row.title)}**" if row is total else safe.text(row.title)
        out.append(f"| {name} | {row.planned} | {row.written} | {row.passing} | {_percent(row.quality)} | "
                   f"{row.unplanned} |")
    out += ["", "## Week by week", "", "| ISO week | Plan week | Target | Landed | Cumulative | Plan |",
            "|---|---:|---:|---:|---:|---:|"]
    for row in report.weeks:
        out.append(f"| {row.week} | {row.plan_week or ''} | {row.target} | "
                   f"{'' if row.landed is None else row.landed} | {'' if row.cumulative is None else row.cumulative} "
                   f"| {row.planned_cumulative} |")
    out += ["", "Generated by `dsatlas progress --format markdown` from `data/plan.yaml`, `dsatlas check` and git "
            "history; a page counts in the week it first landed."]
    return "\n".join(out) + "\n"


def dashboard_markdown(root: Path, checked: CheckResult, today: dt.date | None = None) -> str:
    """The progress dashboard as a Markdown page with inline SVG charts, from the site build's check."""
    return render_dashboard(build_report(root, today=today, checked=checked))
