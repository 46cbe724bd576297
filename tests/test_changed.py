"""`dsatlas check --changed REF` in real git repositories: what it checks, and that it cannot pass a broken atlas."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_ATLAS, edit

from dsatlas.changes import changed_files

STORAGE = "content/systems/acme/storage.md"
HOOKS = Path(__file__).parents[1] / ".pre-commit-hooks.yaml"
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(params=["top-level", "subfolder"])
def repo_atlas(request, tmp_path: Path) -> Path:
    """The fixture atlas committed to a fresh git repo: at its top level, or in a subfolder of it."""
    repo = tmp_path / "repo"
    atlas = repo if request.param == "top-level" else repo / "docs" / "atlas"
    shutil.copytree(FIXTURE_ATLAS, atlas)
    (repo / "README.md").write_text("outside the atlas\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    return atlas


def checked(atlas: Path, ref: str = "HEAD") -> list[str]:
    return [path.relative_to(atlas).as_posix() for path in changed_files(atlas, ref)]


def report(run, atlas: Path, *args: str) -> tuple[int, dict]:
    code, output = run(atlas, "check", "--no-cache", "--jobs", "1", "--format", "json", *args)
    return code, json.loads(output)


def test_committed_staged_unstaged_and_untracked_pages_are_checked(repo_atlas):
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_atlas, capture_output=True, text=True,
                          check=True).stdout.strip()
    edit(repo_atlas / "content/systems/acme/architecture.md", "---\n# ", "---\n#  ")
    git(repo_atlas, "commit", "-qam", "committed")
    edit(repo_atlas / "content/systems/acme/request-flow.md", "---\n# ", "---\n#  ")
    git(repo_atlas, "add", "content/systems/acme/request-flow.md")
    edit(repo_atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, durably.")
    shutil.copy(repo_atlas / STORAGE, repo_atlas / "content/systems/acme/untracked.md")
    (repo_atlas.parent / "outside.md").write_text("not part of the atlas\n")
    (repo_atlas / 'content/new\n"line".md').write_text("a name git would quote\n")
    assert checked(repo_atlas, base) == ['content/new\n"line".md', "content/systems/acme/architecture.md",
                                         "content/systems/acme/request-flow.md",
                                         STORAGE, "content/systems/acme/untracked.md"]
    assert checked(repo_atlas) == ['content/new\n"line".md', "content/systems/acme/request-flow.md", STORAGE,
                                   "content/systems/acme/untracked.md"]


def test_a_broken_source_record_fails_and_rechecks_the_pages_citing_it(repo_atlas, run):
    assert checked(repo_atlas) == []
    edit(repo_atlas / "data/sources/acme-blog-2023.yaml", "publisher: ", "publisher_name: ")
    code, found = report(run, repo_atlas, "--changed", "HEAD")
    assert code == 1
    by_path = {(finding["path"], finding["code"]) for finding in found["findings"]}
    assert ("data/sources/acme-blog-2023.yaml", "ATL004") in by_path
    assert (STORAGE, "ATL402") in by_path  # the page citing the record was checked again
    assert ("data/companies/acme.yaml", "ATL402") in by_path  # and so was the facts file citing it
    assert found["checked"] == 24  # the record, both facts files, the signal and the 20 pages citing it


def test_a_deleted_source_that_pages_still_cite_fails(repo_atlas, run):
    (repo_atlas / "data/sources/acme-10k-2024.yaml").unlink()
    code, found = report(run, repo_atlas, "--changed", "HEAD")
    assert code == 1
    assert (STORAGE, "ATL402") in {(finding["path"], finding["code"]) for finding in found["findings"]}


def test_a_source_cited_only_by_facts_rechecks_the_pages_drawing_on_those_facts(repo_atlas):
    facts = repo_atlas / "data/companies/acme.yaml"
    facts.write_text(facts.read_text().replace("sources: [", "sources: [acme-facts-only, ", 1))
    source = repo_atlas / "data/sources/acme-facts-only.yaml"
    source.write_text((repo_atlas / "data/sources/acme-blog-2023.yaml").read_text()
                      .replace("acme-blog-2023", "acme-facts-only"))
    git(repo_atlas, "add", ".")
    git(repo_atlas, "commit", "-qm", "a source only the facts cite")
    edit(source, "title: ", "title: Revised ")
    targets = checked(repo_atlas)
    assert targets[:2] == ["content/systems/acme/architecture.md", "content/systems/acme/cost-breakdown.md"]
    assert "content/incidents/acme-2024-03-05/timeline.md" not in targets  # incident pages draw on other facts
    assert targets[-2:] == ["data/companies/acme.yaml", "data/sources/acme-facts-only.yaml"]
    assert len(targets) == 8 + 2  # the eight company pages, the facts file and the record


def test_a_deleted_page_checks_every_page_for_links_to_it(repo_atlas, run):
    (repo_atlas / "content/systems/acme/architecture.md").unlink()
    assert checked(repo_atlas) == ["content"]
    code, found = report(run, repo_atlas, "--changed", "HEAD")
    assert code == 1
    assert any(finding["path"] == STORAGE and finding["code"] in ("ATL921", "ATL922") for finding in found["findings"])


@pytest.mark.parametrize("args", [["--changed=--output=victim.txt"], ["--changed", "--output=victim.txt"]])
def test_a_ref_that_looks_like_an_option_is_refused_and_touches_nothing(repo_atlas, run, args):
    victim = repo_atlas / "victim.txt"
    victim.write_text("keep me\n")
    code, output = run(repo_atlas, "check", *args)
    assert code == 2
    assert "cannot start with '-'" in output
    assert victim.read_text() == "keep me\n"


def test_unknown_refs_and_folders_outside_git_are_usage_errors(repo_atlas, atlas, run):
    code, output = run(repo_atlas, "check", "--changed", "no-such-ref")
    assert code == 2 and "no commit 'no-such-ref'" in output
    code, output = run(atlas, "check", "--changed", "HEAD")
    assert code == 2 and "not a git repository" in output


def test_the_pre_commit_hook_runs_the_real_check_on_what_the_commit_changes(repo_atlas):
    hook = next(hook for hook in yaml.safe_load(HOOKS.read_text()) if hook["id"] == "dsatlas-check")
    prefix = "" if (repo_atlas / ".git").exists() else "docs/atlas/"
    for name in (STORAGE, "data/sources/acme-blog-2023.yaml", "content/x/y.mmd"):
        assert re.search(hook["files"], prefix + name), name
    assert not re.search(hook["files"], prefix + "README.md")
    command = shlex.split(hook["entry"])
    command[0] = str(Path(sys.executable).parent / command[0])  # the dsatlas this test suite runs

    def hook_exit() -> int:
        return subprocess.run([*command, "--jobs", "1"], cwd=repo_atlas, capture_output=True).returncode

    assert hook_exit() == 0
    edit(repo_atlas / "data/sources/acme-blog-2023.yaml", "publisher: ", "publisher_name: ")
    git(repo_atlas, "add", "data/sources/acme-blog-2023.yaml")
    assert hook_exit() == 1


def test_before_the_first_commit_head_means_everything_is_new(tmp_path):
    shutil.copytree(FIXTURE_ATLAS, tmp_path / "atlas")
    git(tmp_path / "atlas", "init", "-q")
    git(tmp_path / "atlas", "add", "content")
    targets = checked(tmp_path / "atlas")
    assert len(targets) == 20 + 14 and STORAGE in targets  # the staged pages and the untracked records (4 + 10 signals)
    with pytest.raises(ValueError, match="no commit 'main'"):
        checked(tmp_path / "atlas", "main")


def test_the_diagrams_hook_lints_mermaid_in_any_staged_markdown(tmp_path):
    hook = next(hook for hook in yaml.safe_load(HOOKS.read_text()) if hook["id"] == "dsatlas-diagrams")
    assert hook.get("pass_filenames", True)
    for name, matched in (("README.md", True), ("docs/flow.mmd", True), ("data/sources/a.yaml", False)):
        assert bool(re.search(hook["files"], name)) is matched, name
    command = shlex.split(hook["entry"])
    command[0] = str(Path(sys.executable).parent / command[0])
    readme = tmp_path / "README.md"
    readme.write_text("# A project\n\n```mermaid\nflowchart LR\n  accTitle: t\n  accDescr: d\n  a --> b\n```\n")
    assert subprocess.run([*command, "README.md"], cwd=tmp_path, capture_output=True).returncode == 0
    edit(readme, "a --> b", "a --> ")
    result = subprocess.run([*command, "README.md"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "README.md:" in result.stdout and "ATL101" in result.stdout


def test_annotations_and_sarif_name_files_from_the_repository_top(repo_atlas, run):
    edit(repo_atlas / STORAGE, "signal: fx-replication-lag-30-s", "signal: fx-no-such-signal")
    top = "" if (repo_atlas / ".git").exists() else "docs/atlas/"
    code, output = run(repo_atlas, "check", "--changed", "HEAD", "--format", "github")
    assert code == 1 and output.startswith(f"::error file={top}{STORAGE},line=")
    _, output = run(repo_atlas, "check", "--changed", "HEAD", "--format", "sarif")
    location = json.loads(output)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == top + STORAGE
    _, output = run(repo_atlas, "check", "--changed", "HEAD")
    assert output.startswith(f"{STORAGE}:")  # people read paths from the atlas root, as before
