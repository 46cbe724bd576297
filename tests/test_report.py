"""Output channels: SARIF valid against the official 2.1.0 schema, and no file name can forge a line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from jsonschema import Draft7Validator

from dsatlas.findings import Finding
from dsatlas.report import render

# The OASIS SARIF 2.1.0 schema, verbatim from oasis-tcs/sarif-spec
# (Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json).
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text())
FORGED = "content/a\n::error file=x.md::forged\r,b%.md"  # a legal Linux file name


def sarif_errors(log: dict) -> list[str]:
    validator = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(log)]


def test_sarif_validates_against_the_sarif_2_1_0_schema():
    findings = [Finding(FORGED, 3, 1, "ATL101", "Mermaid says:\nline 2", "error"),
                Finding("content/b.md", 1, 1, "ATL901", "stale figure", "warning")]
    log = json.loads(render(findings, "sarif", 2, 0))
    assert sarif_errors(log) == []
    assert [result["level"] for result in log["runs"][0]["results"]] == ["error", "warning"]


def test_sarif_uris_are_relative_uri_references_that_decode_to_the_file_name():
    log = json.loads(render([Finding(FORGED, 1, 1, "ATL002", "no front matter")], "sarif", 1, 0))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9/._~%-]+", uri), uri  # no ':' to read as a scheme, no raw newline
    assert unquote(uri) == FORGED


def test_github_annotations_escape_properties_and_message():
    finding = Finding(FORGED, 7, 2, "ATL402", "100% sure\n::error::forged too")
    assert render([finding], "github", 1, 0) == (
        "::error file=content/a%0A%3A%3Aerror file=x.md%3A%3Aforged%0D%2Cb%25.md,line=7,col=2,title=ATL402"
        "::100%25 sure%0A::error::forged too")


def test_human_output_shows_control_characters_escaped():
    finding = Finding("content/\x1b[2Ja\nb.md", 1, 1, "ATL002", "bad\u202etext\rhere")
    lines = render([finding], "human", 1, 0).splitlines()
    assert lines[0] == "content/\\x1b[2Ja\\nb.md:1:1: ATL002 bad\\u202etext\\rhere"
    assert len(lines) == 2  # the finding and the summary, nothing forged between them


@pytest.mark.parametrize("fmt", ["human", "github", "sarif"])
def test_a_page_named_with_a_newline_and_colons_cannot_forge_output(atlas, run, fmt):
    (atlas / "content" / "a\n::error file=x.md::forged.md").write_text("no front matter here\n")
    code, output = run(atlas, "check", "--no-cache", "--jobs", "1", "--format", fmt)
    assert code == 1
    if fmt == "sarif":
        log = json.loads(output)
        assert sarif_errors(log) == []
        assert [unquote(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                for result in log["runs"][0]["results"]] == ["content/a\n::error file=x.md::forged.md"]
        return
    lines = output.splitlines()
    if fmt == "github":
        assert lines == ["::error file=content/a%0A%3A%3Aerror file=x.md%3A%3Aforged.md,line=1,col=1,title=ATL002"
                         f"::{lines[0].split('::', 2)[2]}"]
    else:
        assert lines[0].startswith("content/a\\n::error file=x.md::forged.md:1:1: ATL002 ") and len(lines) == 2


def test_usage_errors_show_control_characters_escaped(atlas, run):
    code, output = run(atlas, "check", "no\nsuch\x1b[2J.md")
    assert code == 2 and output.splitlines() == ["error: no such file or folder: no\\nsuch\\x1b[2J.md"]
