"""Print findings as humans, scripts, code-scanning tools and CI annotations want them."""

from __future__ import annotations

import json
from urllib.parse import quote

from . import __version__
from .findings import Finding

FORMATS = ("human", "json", "sarif", "github")


def render(findings: list[Finding], fmt: str, checked: int, cached: int) -> str:
    if fmt == "json":
        return json.dumps({"checked": checked, "cached": cached, "errors": _errors(findings),
                           "findings": [finding.to_dict() for finding in findings]}, indent=2)
    if fmt == "sarif":
        return json.dumps(_sarif(findings), indent=2)
    if fmt == "github":
        lines = [f"::{_level(finding)} file={_property(finding.path)},line={finding.line},col={finding.col},"
                 f"title={_property(finding.code)}::{_message(finding.message)}" for finding in findings]
        return "\n".join(lines)
    lines = [finding.human() for finding in findings]
    errors = _errors(findings)
    noun = "file" if checked == 1 else "files"
    lines.append(f"{checked} {noun} checked ({cached} from cache): "
                 + (f"{errors} error(s)" if errors else "no findings" if not findings else "warnings only"))
    return "\n".join(lines)


def _errors(findings: list[Finding]) -> int:
    return sum(1 for finding in findings if finding.severity == "error")


# GitHub workflow commands (`::error file=…::message`) are read line by line from the log: escape what
# would end the message or a property early, so a file name cannot forge a second command.
def _message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _message(text).replace(":", "%3A").replace(",", "%2C")


def _level(finding: Finding) -> str:
    """Severity as SARIF (error, warning, note) and GitHub (error, warning) name it; unknown → error."""
    return {"error": "error", "warning": "warning"}.get(finding.severity, "error")


def _sarif(findings: list[Finding]) -> dict:
    from .gates import all_rules

    rules = [{"id": rule.code, "name": rule.gate, "shortDescription": {"text": rule.summary},
              "fullDescription": {"text": rule.doc}} for rule in all_rules()]
    results = [{
        "ruleId": finding.code,
        "level": _level(finding),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": quote(finding.path)},  # a relative URI: ':' and newlines encoded
            "region": {"startLine": finding.line, "startColumn": finding.col},
        }}],
    } for finding in findings]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "dsatlas", "version": __version__, "rules": rules}},
                  "results": results}],
    }
