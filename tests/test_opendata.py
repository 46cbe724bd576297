"""Open data and the terminal view: `dsatlas export` against its published schema, `show` and `find` on
the real atlas (no built site, no browser)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import edit
from typer.testing import CliRunner

from dsatlas.cli import app
from dsatlas.loader import load_data
from dsatlas.opendata import atlas_document, load_pages, page_document

REAL_ATLAS = Path(__file__).resolve().parents[1]
# a real failure mode whose signal's threshold is sourced (Netflix's own connectivity check)
REAL_PAGE = "systems/netflix/architecture"
REAL_SYMPTOM = "An ISP's embedded Open Connect site stops taking clients"  # its 4th row
REAL_ROW = 4
REAL_THRESHOLD = "any outbound connectivity check errors (above 0) on an appliance"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """The schema exactly as `dsatlas schema` publishes it."""
    out = tmp_path_factory.mktemp("schema")
    assert invoke("schema", "--out", str(out)).exit_code == 0
    published = json.loads((out / "atlas.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(published)
    return published


def validate(document: dict, schema: dict) -> None:
    jsonschema.Draft202012Validator(schema).validate(document)


def test_export_of_the_fixture_atlas_validates_against_its_schema(atlas, tmp_path, schema):
    out = tmp_path / "atlas.json"
    result = invoke("export", "--root", str(atlas), "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    validate(document, schema)
    page = next(page for page in document["pages"] if page["id"] == "systems/acme/storage")
    figure = page["figures"][0]
    assert figure["source_record"]["id"] == figure["source"] and figure["source_record"]["url"].startswith("http")
    mode = page["failure_modes"][0]
    assert mode["signal_record"]["id"] == mode["signal"]
    assert mode["signal_record"]["threshold"]["provenance"] in ("sourced", "suggested")
    assert mode["anchor"] == "fm-1"
    incident = document["incidents"][0]
    assert incident["timeline"] and incident["misled_by"] and incident["what_worked"]


def test_export_of_the_real_atlas_validates_against_its_schema(tmp_path, schema):
    out = tmp_path / "atlas.json"
    result = invoke("export", "--root", str(REAL_ATLAS), "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    validate(document, schema)
    assert len(document["pages"]) == len(list((REAL_ATLAS / "content").rglob("*.md")))
    for key, folder, field in (("signals", "signals", "id"), ("sources", "sources", "id"),
                               ("companies", "companies", "slug"), ("incidents", "incidents", "slug")):
        assert {record[field] for record in document[key]} == {
            path.stem for path in (REAL_ATLAS / "data" / folder).glob("*.yaml")}, key


def test_a_page_json_is_a_slice_of_the_same_data(schema):
    data = load_data(REAL_ATLAS)
    metas = dict(load_pages(REAL_ATLAS))
    document = page_document(REAL_PAGE, metas[REAL_PAGE], data)
    validate(document, schema)
    whole = atlas_document(metas.items(), data)
    assert document["pages"] == [page for page in whole["pages"] if page["id"] == REAL_PAGE]
    used = {mode["signal"] for mode in document["pages"][0]["failure_modes"]}
    assert {signal["id"] for signal in document["signals"]} == used
    cited = {figure["source"] for figure in document["pages"][0]["figures"]}
    assert cited <= {source["id"] for source in document["sources"]} < {source["id"] for source in whole["sources"]}


def test_export_refuses_an_atlas_that_fails_check_unless_draft(atlas, tmp_path):
    edit(atlas / "content/systems/acme/storage.md", "signal: fx-", "signal: fx-no-such-", count=1)
    out = tmp_path / "atlas.json"
    refused = CliRunner().invoke(app, ["export", "--root", str(atlas), "--out", str(out)])
    assert refused.exit_code == 1
    assert "content/systems/acme/storage.md:" in refused.stderr and "--draft" in refused.stderr
    assert not out.exists()
    drafted = invoke("export", "--root", str(atlas), "--out", str(out), "--draft")
    assert drafted.exit_code == 0, drafted.output
    assert "systems/acme/storage" in {page["id"] for page in json.loads(out.read_text())["pages"]}


def test_show_prints_the_3am_table_signals_and_figures_of_a_real_page():
    result = invoke("show", REAL_PAGE, "--root", str(REAL_ATLAS))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index(f"  {REAL_ROW}. symptom: {REAL_SYMPTOM}")
    assert f"{REAL_THRESHOLD} [sourced:" in lines[at + 1]
    assert lines[at + 2].startswith("     first action: ") and lines[at + 3].startswith("     risk: ")
    signals = lines[lines.index("Signals") + 1:lines.index("Key figures")]
    assert any(line.startswith("  netflix-oca-aws-connectivity (") and REAL_THRESHOLD in line for line in signals)
    figures = lines[lines.index("Key figures") + 1:]
    assert figures and all(" source: " in line for line in figures)


def test_show_an_unknown_page_names_the_nearest_ids():
    result = CliRunner().invoke(app, ["show", "systems/netflix/storag", "--root", str(REAL_ATLAS)])
    assert result.exit_code == 2
    assert "no page 'systems/netflix/storag'" in result.stderr
    assert "nearest: systems/netflix/storage" in result.stderr
    assert "Traceback" not in result.output


def test_find_matches_every_word_ignoring_case_on_the_real_atlas():
    result = invoke("find", "open CONNECT", "clients", "--root", str(REAL_ATLAS))
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [f"{REAL_PAGE}#fm-{REAL_ROW}", REAL_SYMPTOM] in [row[:2] for row in rows]
    assert all(REAL_THRESHOLD in row[2] for row in rows if row[1] == REAL_SYMPTOM)
    # a signal's name matches too: only the name of mysql-replica-lag says Seconds_Behind_Source
    by_signal = invoke("find", "seconds_behind_source", "--root", str(REAL_ATLAS))
    assert by_signal.exit_code == 0 and "incidents/github-2018-10-21/" in by_signal.stdout
    nothing = CliRunner().invoke(app, ["find", "open", "connect", "zzzz", "--root", str(REAL_ATLAS)])
    assert nothing.exit_code == 1 and nothing.stdout == "" and "no failure mode matches" in nothing.stderr


def test_on_a_terminal_show_draws_rich_tables_and_prints_text_as_written():
    import io

    from rich.console import Console

    from dsatlas.terminal import show

    data = load_data(REAL_ATLAS)
    document = page_document(REAL_PAGE, dict(load_pages(REAL_ATLAS))[REAL_PAGE], data)
    document["pages"][0]["failure_modes"][0]["symptom"] = "Brackets stay: [bold]not markup[/bold] in a symptom"
    screen = io.StringIO()
    show(document, Console(file=screen, force_terminal=True, color_system=None, width=400, highlight=False))
    text = screen.getvalue()
    assert "What breaks at 3 AM" in text and "Signals" in text and "Key figures" in text and "┃" in text
    assert REAL_SYMPTOM in text and REAL_THRESHOLD in text
    assert "[bold]not markup[/bold]" in text
