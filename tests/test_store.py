"""The store: real SQLite files, damaged on purpose, shared by real concurrent `dsatlas check` processes."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import edit

from dsatlas.engine import find_mermaid_js
from dsatlas.store import Store, cache_key, load_values

DSATLAS = str(Path(sys.executable).parent / "dsatlas")
PACKAGE = Path(__file__).resolve().parents[1] / "src" / "dsatlas"
STORE = ".dsatlas-cache/store.sqlite"
RELAY = "content/patterns/outbox/relay.md"  # cites acme-10k-2024 in its front matter


def check(atlas: Path, *args: str, python_path: Path | None = None) -> subprocess.CompletedProcess:
    """`dsatlas check --format json` in its own process (stderr apart from the report)."""
    env = {**os.environ, "DSATLAS_MERMAID_JS": str(find_mermaid_js())}
    command = [DSATLAS]
    if python_path is not None:  # run a copy of dsatlas's source instead of the installed one
        env["PYTHONPATH"] = str(python_path)
        command = [sys.executable, "-c", "from dsatlas.cli import app; app()"]
    return subprocess.run([*command, "check", "--format", "json", "--jobs", "1", *args], cwd=atlas,
                          capture_output=True, text=True, env=env, timeout=300)


def report(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def warnings(run: subprocess.CompletedProcess) -> list[str]:
    return [line for line in run.stderr.splitlines() if "warning" in line]


def test_cache_key_keeps_its_salts_apart():
    assert cache_key("ab", "c") != cache_key("a", "bc")
    assert cache_key("a", b"b") == cache_key("a", "b")
    assert cache_key("a") != cache_key("a", "")


def test_values_survive_a_reopen_and_keys_are_per_table(tmp_path):
    with Store(tmp_path) as store:
        store.put("render", {"k1": "<svg>1</svg>"})
        store.put("links", {"k1": b"other"})
    with Store(tmp_path) as again:
        assert again.get("render", ["k1", "k2"], bytes.decode) == {"k1": "<svg>1</svg>"}
        assert again.all("links") == {"k1": b"other"}


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_file_is_reported_once_and_rebuilt(atlas, damage):
    cold = check(atlas)
    assert report(cold)["cached"] == 0 and warnings(cold) == []
    path = atlas / STORE
    raw = path.read_bytes()
    path.write_bytes(os.urandom(len(raw)) if damage == "garbage" else raw[: len(raw) // 2])
    damaged = check(atlas)
    assert report(damaged) == report(cold)  # nothing from the damaged file: same findings, nothing cached
    [message] = warnings(damaged)
    assert "store.sqlite" in message and "rebuilds it" in message
    warm = check(atlas)
    assert warnings(warm) == [] and report(warm)["cached"] == 20


@pytest.mark.parametrize("damage", ["checksum", "decode"])
def test_a_row_that_does_not_decode_is_dropped_and_computed_again(atlas, damage):
    cold = check(atlas)
    with sqlite3.connect(atlas / STORE) as db:
        key, raw, crc = db.execute("SELECT key, value, crc FROM pages WHERE CAST(value AS TEXT) LIKE ?",
                                   (f'%"{RELAY}"%',)).fetchone()
        if damage == "checksum":  # a flipped byte that still reads as a summary: only the checksum tells
            value = raw.replace(b"outbox", b"outbix")
        else:  # the right checksum of something that is not a summary
            value = b'{"path": "content/x.md"}'
            crc = zlib.crc32(value)
        db.execute("UPDATE pages SET value = ?, crc = ? WHERE key = ?", (value, crc, key))
    db.close()
    again = check(atlas)
    assert report(again)["findings"] == report(cold)["findings"]
    assert report(again)["cached"] == 19
    [message] = warnings(again)
    assert "1 row(s) of the pages cache did not decode" in message
    assert warnings(check(atlas)) == []


def test_a_locked_cache_is_reported_and_left_to_its_holder(tmp_path):
    with Store(tmp_path) as store:
        store.put("render", {"theirs": "kept"})
    holder = sqlite3.connect(tmp_path / STORE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO render VALUES ('held', X'00', 0)")
    try:
        with Store(tmp_path, timeout=0.2) as store:
            store.put("render", {"mine": "lost"})
            assert store.get("render", ["theirs"]) == {}  # the store is closed for this run, not rebuilt
    finally:
        holder.execute("COMMIT")
        holder.close()
    with sqlite3.connect(tmp_path / STORE) as db:
        assert {key for (key,) in db.execute("SELECT key FROM render")} == {"theirs", "held"}
    db.close()


def test_concurrent_checks_share_the_cache_without_corrupting_it(atlas):
    env = {**os.environ, "DSATLAS_MERMAID_JS": str(find_mermaid_js())}
    runs = [subprocess.Popen([DSATLAS, "check", "--format", "json", "--jobs", "1"], cwd=atlas, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    baseline = report(check(atlas, "--no-cache"))
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0 and "warning" not in stderr, stderr
        assert json.loads(stdout)["findings"] == baseline["findings"]
    with sqlite3.connect(atlas / STORE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    warm = check(atlas)
    assert report(warm)["cached"] == 20 and warnings(warm) == []


def test_a_changed_data_file_rechecks_the_pages_that_cite_it(atlas):
    assert report(check(atlas))["findings"] == []
    (atlas / "data/sources/acme-10k-2024.yaml").unlink()
    findings = report(check(atlas))["findings"]
    assert (RELAY, "ATL402") in {(finding["path"], finding["code"]) for finding in findings}


def test_a_changed_gate_is_never_answered_from_the_cache(atlas, tmp_path):
    """A copy of dsatlas's source is run, edited, and run again: the edit must show."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "dsatlas", ignore=shutil.ignore_patterns("__pycache__"))
    (atlas / "data/sources/acme-10k-2024.yaml").unlink()
    messages = {finding["message"] for finding in report(check(atlas, python_path=tmp_path / "src"))["findings"]
                if finding["path"] == RELAY}
    assert any(message.startswith("unknown source 'acme-10k-2024'") for message in messages)
    edit(tmp_path / "src/dsatlas/gates/sources.py", 'f"unknown source {source!r}', 'f"no such source {source!r}')
    again = report(check(atlas, python_path=tmp_path / "src"))
    assert again["cached"] < 20
    messages = {finding["message"] for finding in again["findings"] if finding["path"] == RELAY}
    assert any(message.startswith("no such source 'acme-10k-2024'") for message in messages)


class _RunsACommand:
    """What a poisoned cache row could hold: a pickle that calls a function when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_the_site_catalog_loads_only_values_from_the_cache(atlas, tmp_path, capfd):
    from dsatlas.site.catalog import PageCatalog

    fresh, _ = PageCatalog(atlas).load()
    again, _ = PageCatalog(atlas).load()  # from the store: the same pages, and no complaint
    assert [page.id for page in again] == [page.id for page in fresh] and capfd.readouterr().err == ""
    marker = tmp_path / "ran"
    poison = pickle.dumps(_RunsACommand(marker))
    with sqlite3.connect(atlas / STORE) as db:
        db.execute("UPDATE catalog SET value = ?, crc = ?", (poison, zlib.crc32(poison)))
    db.close()
    loaded, _ = PageCatalog(atlas).load()
    assert not marker.exists()
    assert [page.meta for page in loaded] == [page.meta for page in fresh]
    [message] = capfd.readouterr().err.splitlines()
    assert f"{len(fresh)} row(s) of the catalog cache did not decode" in message


def test_a_cached_pickle_cannot_even_import_a_module():
    assert "this" not in sys.modules  # importing it prints the Zen of Python: a harmless side effect
    with pytest.raises(pickle.UnpicklingError, match="may not refer to this.s"):
        load_values(b"cthis\ns\n.")
    assert "this" not in sys.modules


def test_an_internal_error_is_not_cached(atlas, monkeypatch):
    """A run that crashed in a gate (say, a missing dependency) must not serve ATL000 from the cache later."""
    from dsatlas.check import run_check
    from dsatlas.gates import placement

    def broken(ctx):
        raise RuntimeError("gate bug")

    monkeypatch.setattr(placement, "check", broken)
    first = run_check([atlas / "content"], atlas, jobs=1)
    assert {finding.code for finding in first.findings} == {"ATL000"}
    monkeypatch.undo()
    second = run_check([atlas / "content"], atlas, jobs=1)
    assert second.findings == [] and second.cached == 0


def test_an_edit_reads_only_the_edited_pages_parse_and_parses_nothing_unchanged(atlas, monkeypatch):
    """After a prose edit to one page, the check reads that page's diagram parse from the store by its key:
    it neither decodes the whole parses table (most of an edit's check in a 900-page atlas) nor asks
    Mermaid again for a diagram it has already parsed."""
    from dsatlas import check as check_module
    from dsatlas.check import run_check
    from dsatlas.engine import MermaidEngine

    run_check([atlas / "content"], atlas, jobs=1)
    edit(atlas / RELAY, "A passing pattern page for the tests.", "A passing pattern page for the tests, edited.")
    decoded, parsed = [], []
    real_decode, real_parse = check_module._decode_parse, MermaidEngine.parse
    monkeypatch.setattr(check_module, "_decode_parse", lambda raw: decoded.append(raw) or real_decode(raw))
    monkeypatch.setattr(MermaidEngine, "parse", lambda self, text: parsed.append(text) or real_parse(self, text))
    result = run_check([atlas / "content"], atlas, jobs=1)
    assert result.findings == [] and result.cached == 19
    assert len(decoded) == 1 and parsed == []
