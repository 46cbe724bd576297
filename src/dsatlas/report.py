"""Print findings as humans, scripts, code-scanning tools and CI annotations want them."""

from __future__ import annotations

import json

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
        lines = [f"::{finding.severity} file={finding.path},line={finding.line},col={finding.col},"
                 f"title={finding.code}::{_escape(finding.message)}" for finding in findings]
        return "\n".join(lines)
    lines = [finding.human() for finding in findings]
    errors = _errors(findings)
    noun = "file" if checked == 1 else "files"
    lines.append(f"{checked} {noun} checked ({cached} from cache): "
                 + (f"{errors} error(s)" if errors else "no findings" if not findings else "warnings only"))
    return "\n".join(lines)


def _errors(findings: list[Finding]) -> int:
    return sum(1 for finding in findings if finding.severity == "error")


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _sarif(findings: list[Finding]) -> dict:
    from .gates import all_rules

    rules = [{"id": rule.code, "name": rule.gate, "shortDescription": {"text": rule.summary},
              "fullDescription": {"text": rule.doc}} for rule in all_rules()]
    results = [{
        "ruleId": finding.code,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.path},
            "region": {"startLine": finding.line, "startColumn": finding.col},
        }}],
    } for finding in findings]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "dsatlas", "version": __version__, "rules": rules}},
                  "results": results}],
    }
