"""`dsatlas check`, `rules` and `schema` as a user runs them: exit codes, formats, cache, --changed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import edit

STORAGE = "content/systems/acme/storage.md"


def test_clean_atlas_exits_zero(atlas, run):
    code, output = run(atlas, "check", "--no-cache")
    assert code == 0, output
    assert "no findings" in output


def test_findings_exit_one_with_file_line_col(atlas, run):
    edit(atlas / STORAGE, "signal: fx-replication-lag-30-s", "signal: fx-no-such-signal")
    code, output = run(atlas, "check", "--no-cache")
    assert code == 1
    assert f"{STORAGE}:" in output and "ATL703" in output


def test_usage_errors_exit_two(atlas, run):
    assert run(atlas, "check", "no/such/page.md")[0] == 2
    assert run(atlas, "check", "--format", "xml")[0] == 2
    assert run(atlas, "rules", "ATL999")[0] == 2


def test_json_sarif_and_github_formats(atlas, run):
    edit(atlas / STORAGE, "signal: fx-replication-lag-30-s", "signal: fx-no-such-signal")
    code, output = run(atlas, "check", "--no-cache", "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["errors"] == 1 and report["findings"][0]["code"] == "ATL703"
    _, output = run(atlas, "check", "--no-cache", "--format", "sarif")
    sarif = json.loads(output)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "ATL703"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == STORAGE
    assert any(rule["id"] == "ATL301" for rule in sarif["runs"][0]["tool"]["driver"]["rules"])
    _, output = run(atlas, "check", "--no-cache", "--format", "github")
    assert output.startswith(f"::error file={STORAGE},line=")


def test_second_run_is_served_from_the_cache(atlas, run):
    code, first = run(atlas, "check")
    assert code == 0 and "(0 from cache)" in first
    code, second = run(atlas, "check")
    assert "(20 from cache)" in second
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, durably.")
    _, third = run(atlas, "check")
    assert "(19 from cache)" in third


def test_a_changed_source_record_invalidates_cached_pages(atlas, run):
    assert run(atlas, "check")[0] == 0
    (atlas / "data/sources/acme-10k-2024.yaml").unlink()
    code, output = run(atlas, "check")
    assert code == 1 and "ATL402" in output


def test_plain_mmd_files_get_only_diagram_gates(tmp_path, run):
    (tmp_path / "ok.mmd").write_text("flowchart LR\n  accTitle: t\n  accDescr: d\n  a --> b\n")
    (tmp_path / "bad.mmd").write_text("flowchart LR\n  a --> \n")
    code, output = run(tmp_path, "check", "ok.mmd")
    assert code == 0, output
    code, output = run(tmp_path, "check", "bad.mmd")
    assert code == 1 and "bad.mmd:" in output and "ATL101" in output


def test_changed_checks_only_pages_changed_since_a_ref(atlas, run):
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=atlas, check=True)
    subprocess.run([*git, "add", "."], cwd=atlas, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=atlas, check=True)
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, durably.")
    code, output = run(atlas, "check", "--no-cache", "--changed", "HEAD")
    assert code == 0 and "1 file checked" in output
    assert run(atlas, "check", "--changed", "no-such-ref")[0] == 2


def test_parallel_workers_give_the_same_findings(atlas):
    """More pages than the in-process limit: the spawn pool runs, with one V8 engine per worker."""
    edit(atlas / STORAGE, "signal: fx-replication-lag-30-s", "signal: fx-no-such-signal")
    result = subprocess.run([str(Path(sys.executable).parent / "dsatlas"), "check", "--no-cache", "--jobs", "2",
                             "--format", "json"], cwd=atlas, capture_output=True, text=True)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["checked"] == 20
    assert [(f["path"], f["code"]) for f in report["findings"]] == [(STORAGE, "ATL703")]


def test_rules_lists_every_code_with_its_reason(atlas, run):
    code, output = run(atlas, "rules")
    assert code == 0
    for expected in ("ATL101", "ATL201", "ATL301", "ATL401", "ATL501", "ATL601", "ATL701", "ATL801", "ATL901",
                     "ATL911", "ATL921", "ATL931"):
        assert expected in output
    code, output = run(atlas, "rules", "ATL301")
    assert "Why:" in output and "Fix:" in output


def test_schema_writes_json_schema(tmp_path, run):
    code, output = run(tmp_path, "schema", "--out", "schemas")
    assert code == 0
    page = json.loads((tmp_path / "schemas/page.schema.json").read_text())
    assert page["additionalProperties"] is False and "figures" in page["properties"]
