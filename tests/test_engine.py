"""Mermaid's own parser, in V8: valid diagrams parse, invalid ones give their line and column."""

from __future__ import annotations

import pytest
from conftest import check_codes, edit


def test_flowchart_structure_comes_from_mermaids_database(engine):
    result = engine.parse(
        'flowchart TB\n  accTitle: T\n  accDescr: D\n  subgraph edge["Edge Plane"]\n    a["Envoy<br/>1M req/s"]\n'
        '  end\n  a -->|"p99 45ms"| b\n  classDef edgeStyle fill:#0066CC,color:#FFFFFF\n  class a edgeStyle\n'
    )
    assert result.ok, result.message
    structure = result.structure
    assert [v["id"] for v in structure["vertices"]] == ["a", "b"]
    assert structure["vertices"][0]["classes"] == ["edgeStyle"]
    assert structure["edges"] == [{"start": "a", "end": "b", "text": "p99 45ms"}]
    assert structure["subgraphs"] == [{"id": "edge", "title": "Edge Plane", "nodes": ["a"]}]
    assert structure["classes"]["edgeStyle"] == ["fill:#0066CC", "color:#FFFFFF"]
    assert (structure["accTitle"], structure["accDescr"]) == ("T", "D")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("flowchart TB\n  a --> b\n  b --> [[\n", 3),
        ("sequenceDiagram\n  A->>B: hi\n  B-->>: x\n", 3),
        ("stateDiagram-v2\n  [*] --> A\n  A --> \n", 3),
        ("gantt\n  title x\n  dateFormat YYYY-MM-DD\n  section a\n  task : a1, 2014-01-01, 3d\n  ???\n", 6),
        ('pie\n  "a": x\n', 2),
        ("xychart-beta\n  x-axis [a, b\n", 2),
    ],
    ids=["flowchart", "sequence", "state", "gantt", "pie", "xychart"],
)
def test_parse_errors_carry_the_diagram_line(engine, text, line):
    result = engine.parse(text)
    assert not result.ok
    assert result.line == line
    assert result.message


def test_other_diagram_types_parse(engine):
    for text in ("sequenceDiagram\n  A->>B: hi\n", "pie title x\n  \"a\": 3\n", "stateDiagram-v2\n  [*] --> A\n",
                 "xychart-beta\n  x-axis [a, b]\n  bar [1, 2]\n"):
        assert engine.parse(text).ok, text


def test_syntax_error_is_reported_at_the_markdown_file_line(atlas):
    page = atlas / "content" / "systems" / "acme" / "storage.md"
    edit(page, "  api --> primary --> replica\n", "  api --> primary --> \n")  # line 66; the fence opens on 55
    found = [line for _, code, line in check_codes(atlas, page) if code == "ATL101"]
    # Mermaid gives up at the token after the dangling arrow: the classDef on line 67 of the file
    assert found == [67]


def test_missing_mermaid_is_a_clear_usage_error(monkeypatch, atlas, run):
    import dsatlas.check

    monkeypatch.setattr(dsatlas.check, "_engine", None)  # this process may hold an engine from other tests
    monkeypatch.setenv("DSATLAS_MERMAID_JS", str(atlas / "nope.js"))
    code, output = run(atlas, "check", "--no-cache", "content/systems/acme/storage.md")
    assert code == 2
    assert "DSATLAS_MERMAID_JS" in output and "Traceback" not in output
