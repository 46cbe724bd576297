"""Bad input gets a located finding that says what to do; the run goes on to the other files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import check_codes, replaced

GOOD = Path("content/systems/acme/storage.md")
FRONT = "---\ntitle: Acme — Storage\nkind: storage\nsubject: acme\nsummary: A page used to test bad input.\n" \
        "as_of: 2024-12\nsources: [acme-blog-2023, acme-10k-2024]\n"


def mermaid(body: str) -> str:
    return f"```mermaid\n{body}\n```\n"


BAD = {
    "broken_yaml": (replaced(FRONT, "kind: storage", "kind: [storage") + "---\n# x\n", "ATL003", 4),
    "no_front_matter": ("# Just a heading\n\nSome text.\n", "ATL002", 1),
    "unclosed_front_matter": ("---\ntitle: x\n\n# x\n", "ATL002", 1),
    "unknown_kind": (replaced(FRONT, "kind: storage", "kind: storagee") + "---\n", "ATL004", 3),
    "unknown_key": (FRONT + "figuers: []\n---\n", "ATL004", 8),
    "unclosed_fence": (FRONT + "---\n# x\n```mermaid\nflowchart TB\n  a --> b\n", "ATL005", 10),
    "empty_file": ("", "ATL001", 1),
    "binary_junk": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "ATL001", 1),
    "not_utf8": (b"---\ntitle: caf\xe9\n---\n", "ATL001", 2),
    "huge_file": ("---\n" + "x" * 600_000, "ATL001", 1),
    "script_in_label": (FRONT + "---\n# x\n" + mermaid('flowchart TB\n  a["<script>alert(1)</script>"]'), "ATL102",
                        12),
    "javascript_link": (FRONT + "---\n# x\n" + mermaid('flowchart TB\n  a --> b\n  click a "javascript:alert(1)"'),
                        "ATL102", 13),
    "traversal_subject": (replaced(FRONT, "subject: acme", "subject: ../../x") + "---\n", "ATL004", 4),
    "date_not_a_date": (replaced(FRONT, "as_of: 2024-12", "as_of: last spring") + "---\n", "ATL004", 6),
    "impossible_date": (replaced(FRONT, "as_of: 2024-12", "as_of: 2023-02-30") + "---\n", "ATL004", 6),
    "unknown_figure_source": (FRONT + "figures:\n  - label: \"3 TB\"\n    means: Stored data\n    source: nope\n"
                              "    as_of: 2024\n    confidence: A\n---\n# x\n" + mermaid('flowchart TB\n  a["3 TB"]'),
                              "ATL402", 11),
    "front_matter_not_mapping": ("---\n- a\n- b\n---\n", "ATL004", 2),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_finding_not_a_crash(atlas, name):
    content, code, line = BAD[name]
    bad = atlas / "content/systems/acme/storage.md"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    findings = check_codes(atlas)
    mine = [(c, ln) for path, c, ln in findings if path == str(GOOD)]
    assert (code, line) in mine, mine
    # the run went on: the other pages were still checked (the architecture page links here, so it passes)
    assert not any(path.endswith("architecture.md") and c not in ("ATL921", "ATL922") for path, c, _ in findings)


def test_data_record_errors_name_the_record_line(atlas):
    record = atlas / "data/sources/acme-blog-2023.yaml"
    text = replaced(record.read_text(), "type: blog", "type: podcast")
    record.write_text(replaced(text, "id: acme-blog-2023", "id: acme-blog-2023\nurl2: x"))
    findings = [f for f in check_codes(atlas) if f[0] == "data/sources/acme-blog-2023.yaml"]
    assert ("data/sources/acme-blog-2023.yaml", "ATL004", 2) in findings
    assert any(code == "ATL004" and line == 7 for _, code, line in findings), findings


def test_incident_timestamps_must_be_utc_and_consistent(atlas):
    record = atlas / "data/incidents/acme-2024-03-05.yaml"
    text = record.read_text()
    record.write_text(replaced(text, "started: 2024-03-05T14:00:00Z", "started: 2024-03-05T14:00:00+02:00"))
    assert any(code == "ATL004" for path, code, _ in check_codes(atlas) if path.startswith("data/incidents"))
    record.write_text(replaced(text, "duration_minutes: 60", "duration_minutes: 90"))
    messages = [f for f in check_codes(atlas) if f[0].startswith("data/incidents")]
    assert messages and messages[0][1] == "ATL004"


@pytest.mark.parametrize("zone", ["PST", "Pacific", "UTC-8", "PST (UTC-8)", "america/los_angeles"])
def test_source_timezone_must_be_an_iana_zone_name(atlas, zone):
    record = atlas / "data/incidents/acme-2024-03-05.yaml"
    record.write_text(replaced(record.read_text(), "source_timezone: UTC", f"source_timezone: {zone}"))
    from dsatlas.check import run_check

    result = run_check([atlas], atlas, jobs=1, use_cache=False)
    findings = [f for f in result.findings if f.path == "data/incidents/acme-2024-03-05.yaml"]
    assert [(f.code, f.line) for f in findings] == [("ATL004", 5)], findings
    assert f"{zone!r} is not an IANA time zone name" in findings[0].message
    assert "e.g. 'America/Los_Angeles' for US Pacific time" in findings[0].message
    # the incident's pages point at the record to fix, not at a record to add
    pages = sorted((f.path, f.code, f.message) for f in result.findings if f.path.startswith("content/incidents"))
    assert pages == [(f"content/incidents/acme-2024-03-05/{view}.md", "ATL403", "no incident facts for "
                      "'acme-2024-03-05': data/incidents/acme-2024-03-05.yaml does not load: fix the findings "
                      "reported on it") for view in ("cascade", "timeline")]


def test_iana_zone_names_pass(atlas):
    record = atlas / "data/incidents/acme-2024-03-05.yaml"
    text = record.read_text()
    for zone in ("America/Los_Angeles", "Europe/London", "Asia/Kolkata"):
        record.write_text(replaced(text, "source_timezone: UTC", f"source_timezone: {zone}"))
        assert check_codes(atlas) == [], zone
