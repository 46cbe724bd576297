"""Faults on real files and real processes: each gives one clear message and a non-zero exit, never a
traceback or a half-written file (issue 10, item 6). The site's faults are in tests/site/test_site_faults.py."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import check_codes, edit

from dsatlas.util import write_atomic

DSATLAS = str(Path(sys.executable).parent / "dsatlas")
STORAGE = "content/systems/acme/storage.md"


def dsatlas(cwd: Path, *args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), DSATLAS, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def without_root_powers() -> list[str]:
    """A command prefix under which file permissions apply: root reads a 0000 folder, root without
    CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH does not."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


# ---- slugs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["acme\n", "acme\n\n", "\nacme"])
def test_slugs_and_page_ids_reject_a_trailing_newline(value):
    from dsatlas.model import _page_id, is_slug

    assert not is_slug(value)
    with pytest.raises(ValueError, match="is not a page id"):
        _page_id(f"systems/{value}")


def test_new_refuses_a_subject_with_a_trailing_newline(atlas):
    result = dsatlas(atlas, "new", "mechanism", "paxos\n")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "subject 'paxos\\n' contains whitespace" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (atlas / "content" / "mechanisms").joinpath("paxos\n").exists()


# ---- duplicate YAML keys ------------------------------------------------------------------------------


def test_duplicate_front_matter_keys_are_found_at_the_second_key(atlas):
    edit(atlas / STORAGE, "summary: A fixture", "title: Acme — Storage, again\nsummary: A fixture")
    edit(atlas / STORAGE, "    source: acme-blog-2023\n", "    source: acme-blog-2023\n    source: acme-10k-2024\n")
    codes = check_codes(atlas, atlas / STORAGE)
    assert (STORAGE, "ATL009", 5) in codes  # the second title:
    assert (STORAGE, "ATL009", 15) in codes  # the figure's second source:


def test_duplicate_keys_in_a_data_record_are_found(atlas):
    record = atlas / "data" / "sources" / "acme-blog-2023.yaml"
    record.write_text(record.read_text() + "publisher: Somebody Else\n")
    codes = check_codes(atlas, atlas / "data")
    assert ("data/sources/acme-blog-2023.yaml", "ATL009", 8) in codes


def test_a_plan_with_a_duplicate_key_is_refused(atlas):
    from dsatlas.authoring.plan import PlanError, load_plan

    (atlas / "data" / "plan.yaml").write_text(
        "start: 2026-01-07\nweekly_targets: [2]\nweekly_targets: [9]\ncategories:\n  mechanisms:\n"
        "    title: Mechanisms\n    groups:\n      - kinds: [mechanism]\n        unnamed_subjects: 2\n")
    with pytest.raises(PlanError) as caught:
        load_plan(atlas)
    assert [(finding.code, finding.line) for finding in caught.value.findings] == [("ATL009", 3)]  # valid otherwise


# ---- unreadable folders -------------------------------------------------------------------------------


def test_unreadable_folders_are_findings_and_fail_the_check(atlas):
    prefix = without_root_powers()
    locked = [atlas / "content" / "decisions", atlas / "data" / "incidents"]
    for folder in locked:
        folder.chmod(0)
    try:
        result = dsatlas(atlas, "check", "--no-cache", prefix=prefix)
    finally:
        for folder in locked:
            folder.chmod(0o755)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "content/decisions:1:1: ATL008 cannot read this folder (Permission denied)" in result.stdout
    assert "data/incidents:1:1: ATL008 cannot read this folder (Permission denied)" in result.stdout
    assert "Traceback" not in result.stderr


# ---- writing files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_honour_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "page.md", "text\n")
        write_atomic(tmp_path / "page.md", "again\n")  # replacing keeps the same rule
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "page.md").stat().st_mode) == 0o666 & ~umask


def test_a_command_writes_with_the_umask_of_its_shell(atlas):
    result = subprocess.run(["sh", "-c", f"umask 027 && exec {DSATLAS} schema --out written"], cwd=atlas,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((atlas / "written" / "page.schema.json").stat().st_mode) == 0o640


def test_a_file_whose_name_is_at_the_limit_can_be_written(tmp_path):
    name = "a" * 252 + ".md"  # 255 bytes: the longest name ext4 and tmpfs allow
    write_atomic(tmp_path / name, "text\n")
    assert (tmp_path / name).read_text() == "text\n"
    assert [path.name for path in tmp_path.iterdir()] == [name]  # no temporary file left beside it


def test_a_name_too_long_for_the_file_system_is_one_clear_error(atlas):
    result = dsatlas(atlas, "new", "mechanism", "a" * 300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "File name too long; a name is longer than the file system allows (255 bytes per name)" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in (atlas / "content" / "mechanisms").iterdir()) == ["raft"]


def test_writing_into_a_read_only_folder_is_one_clear_error(atlas):
    prefix = without_root_powers()
    folder = atlas / "content" / "mechanisms"
    folder.chmod(0o555)
    try:
        result = dsatlas(atlas, "new", "mechanism", "paxos", prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "Permission denied; permission denied: make the folder" in (
        result.stderr)
    assert "Traceback" not in result.stderr
    assert not (folder / "paxos").exists()
