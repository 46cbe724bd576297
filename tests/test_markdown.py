"""One Markdown parse per page: the loader, the gates and the site read the same fences, links and tables."""

from __future__ import annotations

from pathlib import Path

from conftest import check_codes, edit

from dsatlas.loader import load_page
from dsatlas.markdown import parse_body

STORAGE = Path("content/systems/acme/storage.md")
LONG_FENCE = "````markdown\nAn example of a page:\n```\n[broken](nowhere.md)\n```\n````\n"


def test_a_link_inside_a_longer_fence_holding_a_shorter_one_is_not_checked(atlas):
    # the ```` fence holds a ``` line: a fence toggle would leave the fence there, and check the link
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders.\n\n" + LONG_FENCE
         + "\nAfter it, [a real typo](architecure.md).\n")
    links = [(code, line) for path, code, line in check_codes(atlas) if path == str(STORAGE)]
    text = (atlas / STORAGE).read_text().split("\n")
    typo_line = next(number for number, line in enumerate(text, 1) if "a real typo" in line)
    assert links == [("ATL921", typo_line)]


def test_reference_style_links_are_checked_where_their_target_is_written(atlas):
    edit(atlas / STORAGE, "See also [the architecture](architecture.md).",
         "See also [the architecture][arch] and [the rest][].\n\n[arch]: architecture.md\n[the rest]: nowhere.md")
    found = [(code, line) for path, code, line in check_codes(atlas) if path == str(STORAGE)]
    text = (atlas / STORAGE).read_text().split("\n")
    assert found == [("ATL921", text.index("[the rest]: nowhere.md") + 1)]


def test_link_columns_point_at_each_target():
    doc = parse_body("[x.md](x.md) and [x.md](x.md)\n- [y](\n  y.md)\n\nSee <https://example.com/a>.\n", 7)
    assert [(link.target, link.line, link.col) for link in doc.links] == [
        ("x.md", 7, 8), ("x.md", 7, 25), ("y.md", 9, 3), ("https://example.com/a", 11, 6)]


def test_a_3am_section_inside_a_fence_is_not_a_hand_written_table(atlas):
    # contract v2: the site draws the 3 AM table from failure_modes, and ATL702 refuses a hand-written one;
    # a decoy heading inside a fence that also holds a ``` line is text, not a section
    decoy = ("````text\n```\n## What breaks at 3 AM\n\n| Symptom | Detection | Mitigation | Recovery |\n"
             "|---|---|---|---|\n| decoy | none | none | none |\n```\n````\n")
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders.\n\n" + decoy)
    assert check_codes(atlas) == []
    assert load_page(atlas / STORAGE, atlas).document.three_am == (None, None)
    edit(atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders.\n\n## What breaks at 3 AM\n\n"
         "| Symptom | Detection |\n|---|---|\n| real | p99 > 1 s |\n")
    text = (atlas / STORAGE).read_text().split("\n")
    heading = text.index("## What breaks at 3 AM") + 1
    assert [(code, line) for path, code, line in check_codes(atlas) if path == str(STORAGE)] == [("ATL702", heading)]


def test_pipes_without_a_delimiter_row_are_no_table():
    # Markdown renders these lines as one paragraph of pipes, so the parse must not offer them as a table
    body = "## What breaks at 3 AM\n\n| Symptom | Detection |\n| slow | p99 > 1 s |\n"
    assert parse_body(body, 10).three_am == (10, None)
    table = parse_body(body.replace("|\n| slow", "|\n|---|---|\n| slow"), 10).three_am[1]
    assert table is not None and table.rows == [(14, ["slow", "p99 > 1 s"])]


def test_diagram_lines_below_a_tilde_fence_stay_file_lines(atlas):
    edit(atlas / STORAGE, "```mermaid", "~~~\n```mermaid\n~~~\n\n```mermaid")
    page = load_page(atlas / STORAGE, atlas)
    text = (atlas / STORAGE).read_text().split("\n")
    assert [fence.info for fence in page.document.fences] == ["", "mermaid"]
    assert text[page.diagram.start_line - 1] == "```mermaid" and text[page.diagram.end_line - 1] == "```"
    assert text[page.diagram.start_line] == "flowchart LR"


FOREIGN_README = """# Some other project

It has no front matter.

```mermaid
flowchart LR
  a --> b
```

A second diagram, broken on its third line:

```mermaid
flowchart LR
  a --> b
  b -->
```
"""


def test_diagrams_only_lints_every_block_of_foreign_markdown(tmp_path, run):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "README.md").write_text(FOREIGN_README)
    code, output = run(tmp_path, "check", "--diagrams-only", "bad")
    broken = FOREIGN_README.split("\n").index("  b -->") + 1
    assert code == 1, output
    assert [line.split(" ")[:2] for line in output.splitlines() if "ATL" in line] == [
        [f"bad/README.md:{broken}:1:", "ATL101"]]
    good = tmp_path / "good"
    (good / "docs").mkdir(parents=True)
    (good / "docs" / "README.md").write_text(FOREIGN_README.replace("  b -->\n", "  b --> c\n"))
    (good / "docs" / "guide.md").write_text("---\ntitle: not an atlas page\n---\n# Guide\n\n```mermaid\n"
                                            "sequenceDiagram\n  A->>B: hello\n```\n")
    (good / "docs" / "prose.md").write_text("# No diagrams here\n")
    (good / "flow.mmd").write_text("flowchart TB\n  x --> y\n")
    code, output = run(tmp_path, "check", "--diagrams-only", "good")
    assert code == 0, output
    assert not (tmp_path / ".dsatlas-cache").exists()  # another project's folder is left as it was
    # without the flag the same files are atlas pages, and fail as such
    code, output = run(tmp_path, "check", "good/docs/README.md")
    assert code == 1 and "ATL002" in output


def test_diagrams_only_still_refuses_unsafe_diagrams(tmp_path, run):
    (tmp_path / "page.md").write_text("Text\n\n```mermaid\nflowchart LR\n  a[\"<script>x</script>\"]\n```\n"
                                      "\n```mermaid\nflowchart LR\n  a --> b\n")
    code, output = run(tmp_path, "check", "--diagrams-only", "page.md")
    assert code == 1
    assert "page.md:5:" in output and "ATL102" in output
    assert "page.md:8:1: ATL005" in output  # the second block is never closed


def test_prose_words_count_paragraphs_lists_and_quotes_but_not_headings_tables_fences_or_targets():
    body = ("# Title words here\n\nOne two [three](https://example.com/a/very/long/target) four.\n\n"
            "- five six\n- seven\n\n> eight — nine\n\n| ten | eleven |\n|---|---|\n| twelve | thirteen |\n\n"
            "```mermaid\nflowchart TB\n  a[fourteen]\n```\n")
    doc = parse_body(body, 5)
    assert doc.prose_words == 9
    assert doc.prose_line == 7
