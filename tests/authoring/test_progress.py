"""`dsatlas progress` and the dashboard, on a git repository whose commits land in different weeks."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import replaced
from typer.testing import CliRunner

from dsatlas.authoring.plan import load_plan
from dsatlas.authoring.progress import build_report, dashboard_markdown
from dsatlas.check import run_check
from dsatlas.cli import app

from .conftest import write

REPO_ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

PLAN = """\
    start: 2026-01-07            # a Wednesday: plan week 1 is ISO week 2026-W02 (Mon 5 Jan)
    weekly_targets: [2, 2, 4]
    categories:
      mechanisms:
        title: Mechanisms
        groups:
          - kinds: [mechanism]
            subjects: [consensus]
            views_per_subject: 4
      decisions:
        title: Decisions
        groups:
          - kinds: [decision]
            unnamed_subjects: 4
    """


def page(kind: str, subject: str, summary: str = "A small page that passes every gate, for the tests.") -> str:
    modes = "".join(f"""  - symptom: Slow answers from the server, case {n}
    signal: acme-p99
    first_action: Shed batch traffic at the client
    risk: Batch jobs fall behind and must catch up later
    follow_up: Scale the server out
""" for n in range(4))
    return f"""\
---
title: {subject} — a test page
kind: {kind}
subject: {subject}
summary: "{summary}"
as_of: 2024-01
sources: [acme-blog-2023]
figures:
  - label: "timeout 2 s"
    means: Client timeout
    source: acme-blog-2023
    as_of: 2023-04
    confidence: A
    locator: "section 'Clients'"
    operator: limit
failure_modes:
{modes}---
# {subject}

A client calls a server. The page stands in for a real one in the progress tests, so its prose only
has to be long enough for the depth gate, which holds mechanism pages to the context an on-call
engineer needs; what it says is never read by a person. The page stands in for a real one in the
progress tests, so its prose only has to be long enough for the depth gate, which holds mechanism
pages to the context an on-call engineer needs; what it says is never read by a person. The page
stands in for a real one in the progress tests, so its prose only has to be long enough for the
depth gate, which holds mechanism pages to the context an on-call engineer needs; what it says is
never read by a person. The page stands in for a real one in the progress tests, so its prose only
has to be long enough for the depth gate, which holds mechanism pages to the context an on-call
engineer needs; what it says is never read by a person. The page stands in for a real one in the
progress tests, so its prose only has to be long enough for the depth gate, which holds mechanism
pages to the context an on-call engineer needs; what it says is never read by a person. The page
stands in for a real one in the progress tests, so its prose only has to be long enough for the
depth gate, which holds mechanism pages to the context an on-call engineer needs; what it says is
never read by a person.

```mermaid
flowchart LR
  accTitle: Two boxes
  accDescr: A client calls a server.
  client["Client"] -->|"timeout 2 s"| server["Server"]
```
"""


def git(root: Path, *args: str, when: str | None = None) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="Author", GIT_AUTHOR_EMAIL="author@example.com",
               GIT_COMMITTER_NAME="Author", GIT_COMMITTER_EMAIL="author@example.com")
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=env, check=True,
                   capture_output=True)


def land(root: Path, when: str, pages: dict[str, str]) -> None:
    """Write the pages and commit them, dated `when` (author and committer)."""
    for page_id, text in pages.items():
        write(root / "content" / f"{page_id}.md", text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"pages landing {when}", when=when)


@pytest.fixture
def history(atlas: Path) -> Path:
    """Seven pages landed over three ISO weeks (W02: 2, W03: 1, W04: 4), one renamed, one deleted,
    one still uncommitted, and one that fills no planned slot."""
    write(atlas / "data/plan.yaml", PLAN)
    git(atlas, "init", "-q")
    land(atlas, "2026-01-06T10:00:00+00:00", {"mechanisms/consensus/raft": page("mechanism", "consensus"),
                                               "mechanisms/consensus/paxos": page("mechanism", "consensus")})
    land(atlas, "2026-01-14T23:30:00-05:00", {"mechanisms/consensus/zab": page("mechanism", "consensus")})
    land(atlas, "2026-01-21T09:00:00+00:00", {
        "decisions/kafka-or-pulsar/overview": page("decision", "kafka-or-pulsar"),
        "decisions/sql-or-nosql/overview": page("decision", "sql-or-nosql"),
        "decisions/cache-or-not/overview": page("decision", "cache-or-not", "TODO: a summary still to write."),
        "mechanisms/gossip/overview": page("mechanism", "gossip"),  # not a planned subject
        "decisions/scratch/overview": page("decision", "scratch"),
    })
    git(atlas, "mv", "content/mechanisms/consensus/raft.md", "content/mechanisms/consensus/multi-raft.md")
    git(atlas, "rm", "-q", "content/decisions/scratch/overview.md")
    git(atlas, "commit", "-q", "-m", "rename one page, drop another", when="2026-01-22T09:00:00+00:00")
    write(atlas / "content/decisions/queue-or-log/overview.md", page("decision", "queue-or-log"))  # uncommitted
    return atlas


TODAY = dt.date(2026, 1, 28)  # a Wednesday in 2026-W05, the week after the plan's last week


def test_velocity_trend_and_projection_arithmetic(history):
    report = build_report(history, today=TODAY, jobs=1, use_cache=False)
    weeks = {row.week: row for row in report.weeks}
    assert list(weeks) == ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    # the renamed page keeps its first week; the deleted one and the uncommitted one do not count;
    # 23:30 on 14 Jan in UTC-5 is 04:30 UTC on 15 Jan: still W03
    assert [weeks[w].landed for w in weeks] == [2, 1, 4, 0]
    assert [weeks[w].cumulative for w in weeks] == [2, 3, 7, 7]
    assert [weeks[w].target for w in weeks] == [2, 2, 4, 0]
    assert [weeks[w].planned_cumulative for w in weeks] == [2, 4, 8, 8]
    assert [weeks[w].plan_week for w in weeks] == [1, 2, 3, None]
    assert report.landed_total == 7
    # pace: 7 pages from 6 Jan (first landing) to 28 Jan inclusive = 23 days
    assert report.pace_days == 23 and report.pace == pytest.approx(2.13043, abs=1e-5)  # 7 pages / (23 / 7) weeks
    # trend: complete weeks 2, 1, 4 → least-squares slope +1.0 page/week per week
    assert report.trend_slope == pytest.approx(1.0) and report.trend == "rising"
    # plan: 4 consensus views + 4 decision slots = 8; written: 3 + 4 (one uncommitted); gossip is unplanned
    mechanisms, decisions = report.categories
    assert (mechanisms.planned, mechanisms.written, mechanisms.unplanned) == (4, 3, 1)
    assert (decisions.planned, decisions.written, decisions.unplanned) == (4, 4, 0)
    assert report.remaining == 1
    # 1 page at 49/23 pages per week takes 3.29 days → 4 days → 1 Feb; the plan ended on Sun 25 Jan
    assert report.plan_end == dt.date(2026, 1, 25)
    assert report.completion == dt.date(2026, 2, 1) and report.days_late == 7
    assert report.needed_pace is None  # the plan's weeks are over


def test_passing_and_quality_come_from_the_real_checker(history):
    report = build_report(history, today=TODAY, jobs=1, use_cache=False)
    mechanisms, decisions = report.categories
    assert mechanisms.passing == 3
    assert decisions.passing == 3  # the page with a TODO summary fails the placeholders gate
    # 15 gates apply to a decision page: load, waivers, placement, syntax, figures, provenance, sources, depth,
    # 3am, placeholders, layout, a11y, links, originality, prose_safety (not planes, hardware, cost, incident-facts)
    assert decisions.checks == 4 * 15 and decisions.checks_passed == 4 * 15 - 1
    assert decisions.quality == pytest.approx(59 / 60)
    assert report.total.passing == 6 and report.total.written == 7


def test_progress_command_human_and_json(history):
    human = runner.invoke(app, ["progress", "--root", str(history), "--today", "2026-01-28", "--jobs", "1"])
    assert human.exit_code == 0, human.output
    assert re.search(r"mechanisms\s+4\s+3\s+3\s+100\.0%\s+1", human.output)
    assert re.search(r"2026-W04\s+3\s+4\s+4\s+7\s+8", human.output)
    assert "trend: rising (+1.0 pages/week per week" in human.output
    assert "land by 2026-02-01, 7 day(s) after the plan's end (2026-01-25)" in human.output
    raw = runner.invoke(app, ["progress", "--root", str(history), "--today", "2026-01-28", "--format", "json",
                                "--jobs", "1"])
    data = json.loads(raw.output)
    assert data["completion"] == "2026-02-01" and data["total"]["planned"] == 8
    assert [week["landed"] for week in data["weeks"]] == [2, 1, 4, 0]
    assert data["categories"][1]["quality"] == 0.9833  # 59 of 60 checks (15 gates × 4 pages), rounded to 4 places


def test_dashboard_is_markdown_with_inline_svg_charts(history):
    checked = run_check([history / "content"], history, jobs=1, use_cache=False)
    page_text = dashboard_markdown(history, checked, today=TODAY)
    assert page_text.startswith("# Progress\n")
    svgs = re.findall(r"<svg.*?</svg>", page_text, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert "\n\n" not in svg and "<title id=" in svg and "<desc id=" in svg
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch
        assert "<script" not in svg
    assert "**7 of 8** planned diagrams are written and **6** pass every quality gate" in page_text
    assert "| Decisions | 4 | 4 | 3 |" in page_text
    assert "| 2026-W04 | 3 | 4 | 4 | 7 | 8 |" in page_text
    written = runner.invoke(app, ["progress", "--root", str(history), "--today", "2026-01-28", "--format",
                                  "markdown", "--jobs", "1", "--out", str(history / "dashboard.md")])
    assert written.exit_code == 0 and (history / "dashboard.md").read_text() == page_text


def test_without_git_history_velocity_is_empty_but_the_rest_works(atlas):
    write(atlas / "data/plan.yaml", PLAN)
    write(atlas / "content/mechanisms/consensus/raft.md", page("mechanism", "consensus"))
    report = build_report(atlas, today=TODAY, jobs=1)
    assert report.landed_total == 0 and report.completion is None and "no git history" in report.history_note
    assert report.categories[0].written == 1 and report.categories[0].passing == 1


def test_a_broken_plan_is_a_located_error(atlas):
    write(atlas / "data/plan.yaml", replaced(PLAN, "kinds: [decision]", "kinds: [mechanism]"))
    result = runner.invoke(app, ["progress", "--root", str(atlas)])
    assert result.exit_code == 2
    assert "data/plan.yaml" in result.output and "belong under categories.mechanisms" in result.output


def test_the_atlas_plan_is_the_900_page_plan_of_the_design():
    plan = load_plan(REPO_ROOT)
    counts = {name: category.planned for name, category in plan.categories.items()}
    assert counts == {"systems": 256, "guarantees": 54, "mechanisms": 60, "patterns": 80, "performance": 80,
                      "incidents": 110, "debugging": 100, "migrations": 10, "costs": 30, "capacity": 20,
                      "comparisons": 40, "decisions": 60}
    assert plan.planned == 900 == sum(plan.weekly_targets)
    assert plan.weekly_targets == [75, 75, 80, 80, 80, 80, 100, 100, 80, 150]
    assert len(plan.categories["systems"].groups[0].subjects) == 32
