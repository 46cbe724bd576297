"""Each gate: the fixture page passes it, and one realistic mistake makes it fail with its code and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import check_codes, edit, replaced

ARCH = Path("content/systems/acme/architecture.md")
STORAGE = Path("content/systems/acme/storage.md")
# the whole flowchart of the storage page, between its fences
STORAGE_DIAGRAM = """flowchart LR
  accTitle: Acme storage
  accDescr: The order API writes to a PostgreSQL primary that streams to a replica.
  subgraph service["Service Plane"]
    api["Order API"]
  end
  subgraph state["State Plane"]
    primary[("PostgreSQL 15.4 primary")]
    replica[("Replica")]
  end
  api --> primary --> replica
  classDef serviceStyle fill:#00AA00,stroke:#007700,color:#000000
  classDef stateStyle fill:#FF8800,stroke:#CC6600,color:#000000
  class api serviceStyle
  class primary,replica stateStyle
"""


def codes_for(atlas: Path, page: Path) -> list[str]:
    return [code for path, code, _ in check_codes(atlas) if path == str(page)]


def test_the_fixture_atlas_passes_every_gate(atlas):
    assert check_codes(atlas) == []


MISTAKES = [
    # (gate code, page, old text, new text)
    ("ATL101", STORAGE, "api --> primary --> replica", "api --> primary -->"),
    ("ATL102", STORAGE, 'api["Order API"]', 'api["<script>alert(1)</script>"]'),
    ("ATL201", ARCH, 'subgraph control["Control Plane"]', 'subgraph ops["Operations"]'),
    ("ATL202", ARCH, "  class deploy controlStyle\n", ""),
    ("ATL203", ARCH, "classDef stateStyle fill:#FF8800", "classDef stateStyle fill:#FF9900"),
    ("ATL204", STORAGE, STORAGE_DIAGRAM, "sequenceDiagram\n  accTitle: t\n  accDescr: d\n  A->>B: write\n"),
    ("ATL301", ARCH, 'api["Order API"]', 'api["Order API<br/>p99 45ms"]'),
    ("ATL302", ARCH, 'envoy["Envoy 1.27<br/>1.2M req/s"]', 'envoy["Envoy 1.27"]'),
    ("ATL303", ARCH, "sources: [acme-blog-2023, acme-10k-2024]", "sources: [acme-blog-2023]"),
    ("ATL304", ARCH, "    confidence: A\n    locator: \"section 'Fixture', first table\"\n  - label: \"$48M/year\"",
     "    confidence: C\n  - label: \"$48M/year\""),
    ("ATL306", STORAGE, "  - operator: capacity\n    label:", "  - label:"),
    ("ATL307", STORAGE, "    locator: \"section 'Fixture', first table\"\n", ""),
    ("ATL308", STORAGE, "    as_of: 2023-03", "    as_of: 2019-03"),
    ("ATL309", STORAGE, "    confidence: A\n", "    confidence: B\n    formula: \"15 + 1\"\n"),
    ("ATL305", ARCH, "source: acme-10k-2024\n    as_of: 2024-12\n    confidence: A",
     "source: acme-news-2024\n    as_of: 2024-12\n    confidence: A"),
    ("ATL401", STORAGE, "sources: [acme-blog-2023, acme-10k-2024]", "sources: [acme-blog-2023]"),
    ("ATL402", STORAGE, "sources: [acme-blog-2023, acme-10k-2024]", "sources: [acme-blog-2023, acme-blog-2099]"),
    ("ATL403", STORAGE, "subject: acme", "subject: acmee"),
    ("ATL501", STORAGE, 'primary[("PostgreSQL 15.4 primary")]', 'primary[("Primary database")]'),
    ("ATL601", ARCH, "hosting $48M/year", "hosting cost"),
    ("ATL701", STORAGE, "- symptom: Primary disk fills", None),  # cut from here to the end of the front matter
    ("ATL702", STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders.\n\n## What breaks at 3 AM\n\n"
     "| Symptom | Detection |\n|---|---|\n| Slow | p99 > 1 s |\n"),
    ("ATL703", STORAGE, "signal: fx-replication-lag-30-s", "signal: fx-replication-lagg"),
    ("ATL704", STORAGE, "first_action: Route reads to the primary", "first_action: Implement a read router"),
    ("ATL705", STORAGE, "  first_action: Route reads to the primary", "  as_done_by: acme-blog-2023\n"
     "  first_action: Route reads to the primary"),
    ("ATL801", STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders. TODO: explain sharding."),
    ("ATL901", STORAGE, "  api --> primary --> replica",
     "  api --> primary --> replica\n" + "\n".join(f"  n{i} --> n{i + 1}" for i in range(60))),
    ("ATL911", STORAGE, "  accTitle: Acme storage\n", ""),
    ("ATL912", STORAGE, "  class api serviceStyle",
     "  class api serviceStyle\n  style replica fill:#FFFF00,color:#FFFFFF"),
    ("ATL921", STORAGE, "[the architecture](architecture.md)", "[the architecture](architecure.md)"),
    ("ATL922", STORAGE, "related: [systems/acme/architecture]", "related: [systems/acme/nope]"),
    ("ATL006", STORAGE, "related: [systems/acme/architecture]",
     "related: [systems/acme/architecture]\nwaivers: [{code: ATL601}]"),
    ("ATL007", STORAGE, "kind: storage", "kind: production-ops"),
]


@pytest.mark.parametrize(("code", "page", "old", "new"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_gate_fails_on_its_mistake(atlas, code, page, old, new):
    path = atlas / page
    if code == "ATL701":
        text = path.read_text()
        path.write_text(text[: text.index(old)] + text[text.index("---\n# Acme"):])
    if code == "ATL305":
        (atlas / "data/sources/acme-news-2024.yaml").write_text(
            "id: acme-news-2024\nurl: https://news.example.com/acme\ntitle: Acme spends big\npublisher: Example "
            "News\npublished: 2024-06-01\ntype: news\naccessed: 2026-11-26\n")
        edit(path, "sources: [acme-blog-2023, acme-10k-2024]", "sources: [acme-blog-2023, acme-10k-2024, "
             "acme-news-2024]")
    if new is not None:
        edit(path, old, new)
    found = codes_for(atlas, page)
    assert code in found, found


def test_incident_offsets_are_b_and_incidents_say_what_misled_and_what_worked(atlas):
    page = Path("content/incidents/acme-2024-03-05/timeline.md")
    edit(atlas / page, "  s0 -.- price", '  s0 -.- fix["T+1h resolved"]\n  s0 -.- price')
    edit(atlas / page, "figures:\n", "figures:\n  - label: \"T+1h\"\n    means: Resolution offset\n"
         "    source: acme-blog-2023\n    as_of: 2024-03-05\n    confidence: A\n    locator: \"timeline\"\n")
    assert codes_for(atlas, page) == ["ATL405"]
    edit(atlas / page, "    confidence: A\n    locator: \"timeline\"", "    confidence: B\n    locator: \"timeline\"")
    assert codes_for(atlas, page) == []
    facts = atlas / "data/incidents/acme-2024-03-05.yaml"
    text = facts.read_text()
    facts.write_text(text[:text.index("misled_by:")] + text[text.index("what_worked:"):])
    assert codes_for(atlas, page) == ["ATL406"]


def test_a_utc_time_converted_from_local_clocks_is_b(atlas):
    page = Path("content/incidents/acme-2024-03-05/timeline.md")
    edit(atlas / page, "  s0 -.- price", '  s0 -.- fix["15:00 UTC resolved"]\n  s0 -.- price')
    edit(atlas / page, "figures:\n", "figures:\n  - label: \"15:00 UTC\"\n    means: Resolution time\n"
         "    source: acme-blog-2023\n    as_of: 2024-03-05\n    confidence: A\n    locator: \"timeline\"\n")
    assert codes_for(atlas, page) == []  # the fixture's post-mortem gives UTC: the time is stated, A
    facts = atlas / "data/incidents/acme-2024-03-05.yaml"
    edit(facts, "source_timezone: UTC", "source_timezone: America/Los_Angeles")
    assert codes_for(atlas, page) == ["ATL405"]  # converted from Pacific clocks: arithmetic, so B


def test_a_formula_that_adds_up_passes(atlas):
    edit(atlas / STORAGE, '    primary[("PostgreSQL 15.4 primary")]',
         '    primary[("PostgreSQL 15.4 primary<br/>replay 10 s + apply 5 s = 15 s")]')
    edit(atlas / STORAGE, "related:", """  - label: "replay 10 s"
    means: Replay time
    source: acme-blog-2023
    as_of: 2023-03
    confidence: A
    locator: "section 'Fixture'"
  - label: "apply 5 s"
    means: Apply time
    source: acme-blog-2023
    as_of: 2023-03
    confidence: A
    locator: "section 'Fixture'"
  - label: "15 s"
    means: Total
    source: acme-blog-2023
    as_of: 2023-03
    confidence: B
    locator: "section 'Fixture'"
    formula: "10 + 5"
related:""")
    assert codes_for(atlas, STORAGE) == []
    edit(atlas / STORAGE, 'formula: "10 + 5"', 'formula: "10 + 6"')
    assert codes_for(atlas, STORAGE) == ["ATL309"]
    edit(atlas / STORAGE, 'formula: "10 + 6"', 'formula: "10 + 2 + 3"')
    assert codes_for(atlas, STORAGE) == ["ATL309"]  # 2 and 3 are on no other figure


def test_a_formula_beside_a_version_number_is_still_computed():
    from dsatlas.gates.provenance import _formula_problem

    others = ["left-pad 1.0.0 republished", "272 other packages"]
    assert _formula_problem("273 packages", "272 + 1", "B", others + ["1 package"]) is None
    assert "on no other declared figure" in _formula_problem("273 packages", "272 + 1", "B", others)


def test_findings_point_at_the_offending_line(atlas):
    path = atlas / ARCH
    edit(path, 'api["Order API"]', 'api["Order API<br/>p99 45ms"]')
    line = path.read_text().split("\n").index('    api["Order API<br/>p99 45ms"]') + 1
    assert (str(ARCH), "ATL301", line) in check_codes(atlas)


def test_a_waiver_with_a_reason_silences_its_code(atlas):
    path = atlas / ARCH
    edit(path, "hosting $48M/year", "hosting cost")
    edit(path, '  - label: "$48M/year"', '  - label: "$48M/year-unused"')
    assert "ATL601" in codes_for(atlas, ARCH)
    edit(path, "related: [systems/acme/storage]",
         "related: [systems/acme/storage]\nwaivers:\n  - code: ATL601\n    reason: Acme publishes no cost.\n"
         "  - code: ATL302\n    reason: Test of waivers.")
    assert codes_for(atlas, ARCH) == []


def test_originality_flags_a_relabelled_copy(atlas):
    source = atlas / ARCH
    copy = atlas / "content/systems/acme/novel-solutions.md"
    text = replaced(source.read_text(), "kind: architecture", "kind: novel-solutions")
    copy.write_text(replaced(replaced(text, "Billing worker", "Invoice worker"), "Order API", "Cart API"))
    assert "ATL931" in codes_for(atlas, Path("content/systems/acme/novel-solutions.md"))


def test_figure_tokens_cover_the_documented_forms():
    from dsatlas.diagram import figure_tokens

    text = ("Cassandra 3.11 on i3en.6xlarge v3.7 serving 30M req/s at p99 45ms, $2.1M/month, 3 TB, 99.99%, "
            "17:37 UTC 2021-10-04 from S3 EC2 H3 HTTP/2 IPv6 L7 1,000 servers, 503 Service Unavailable, "
            "Route 53 answers in 60 s")
    assert [token for _, _, token in figure_tokens(text)] == [
        "3.11", "i3en.6xlarge", "v3.7", "30M req/s", "45ms", "$2.1M/month", "3 TB", "99.99%", "17:37 UTC",
        "2021-10-04", "1,000", "60 s",
    ]


def test_incident_offsets_must_come_from_the_facts(atlas):
    page = Path("content/incidents/acme-2024-03-05/timeline.md")
    text = (atlas / page).read_text()
    edit(atlas / page, "  s0 -.- price", '  s0 -.- fix["T+1h resolved"]\n  s0 -.- price')
    assert "ATL404" not in codes_for(atlas, page)  # resolved is 1 h after started in the facts
    (atlas / page).write_text(text)
    edit(atlas / page, "  s0 -.- price", '  s0 -.- fix["T+2h resolved"]\n  s0 -.- price')
    assert "ATL404" in codes_for(atlas, page)


def test_mermaid_hexagons_are_not_template_placeholders(atlas):
    edit(atlas / STORAGE, 'api["Order API"]', 'api{{"Order API"}}')
    assert codes_for(atlas, STORAGE) == []
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its {{ noun }}.")
    assert codes_for(atlas, STORAGE) == ["ATL801"]


def test_contrast_ratio_matches_wcag():
    from dsatlas.diagram import PLANE_COLOURS, contrast_ratio

    assert round(contrast_ratio("#FFFFFF", "#000000"), 1) == 21.0
    for fill, text in PLANE_COLOURS.values():
        assert contrast_ratio(fill, text) >= 4.5


MECHANISM = Path("content/mechanisms/raft/leader-election.md")
MECHANISM_CONTEXT = "Acme is a made-up company"


def test_context_depth_is_held_to_the_kind_tables_bounds(atlas):
    path = atlas / MECHANISM
    text = path.read_text()
    start = text.index(MECHANISM_CONTEXT)
    end = text.index("\n\n", start)
    path.write_text(text[:start] + "Too short." + text[end:])
    findings = [(line, code) for file, code, line in check_codes(atlas) if file == str(MECHANISM)]
    first_paragraph = text[: text.index("A passing mechanism page")].count("\n") + 1
    assert findings == [(first_paragraph, "ATL802")]
    path.write_text(text[:end] + "\n\n" + " ".join(["word"] * 120) + text[end:])
    assert codes_for(atlas, MECHANISM) == ["ATL802"]
    path.write_text(text)
    assert codes_for(atlas, MECHANISM) == []


def test_context_depth_holds_every_kind_of_page(atlas):
    page = Path("content/incidents/acme-2024-03-05/timeline.md")
    path = atlas / page
    text = path.read_text()
    start = text.index(MECHANISM_CONTEXT)
    path.write_text(text[:start] + text[text.index("\n\n", start) + 2:])
    assert codes_for(atlas, page) == ["ATL802"]
