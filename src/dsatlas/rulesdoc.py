"""The rule and kind tables of docs/authoring.md, generated from the registry and the kind table.

docs/authoring.md holds them between `<!-- generated: NAME -->` and `<!-- end: NAME -->` markers; a
test fails when they differ from what this module generates. To refresh them:

    .venv/bin/python -m dsatlas.rulesdoc docs/authoring.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .gates import Rule, all_rules
from .profiles import PROFILES

PLANES = {0: "–", 2: "at least two", 4: "all four"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(rules: list[Rule] | None = None) -> str:
    lines = ["| code | gate | what it reports | applies to | waivable |", "|---|---|---|---|---|"]
    for rule in rules or all_rules():
        lines.append(f"| {rule.code} | {rule.gate} | {_cell(rule.summary)} | {_cell(rule.applies.describe())} | "
                     f"{'yes' if rule.waivable else 'no'} |")
    return "\n".join(lines)


def kinds_markdown() -> str:
    lines = ["| kind | page path | planes | min sources | hardware | cost | facts |", "|---|---|---|---|---|---|---|"]
    for kind, prof in PROFILES.items():
        path = prof.page_id("&lt;subject&gt;", prof.fixed_view or "&lt;view&gt;")
        views = f" ({', '.join(prof.views)})" if len(prof.views) > 1 else ""
        lines.append(f"| {kind.value} | content/{path}.md{views} | {PLANES[prof.planes]} | {prof.min_sources} | "
                     f"{'yes' if prof.hardware else '–'} | {'yes' if prof.cost else '–'} | {prof.facts or '–'} |")
    return "\n".join(lines)


SECTIONS = {"rules": rules_markdown, "kinds": kinds_markdown}


def refresh(text: str) -> str:
    """`text` with every generated section replaced by what the registry and kind table say today."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n)(?:.*?\n)?(<!-- end: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"no '<!-- generated: {name} -->' … '<!-- end: {name} -->' section")
        text = pattern.sub(lambda match, make=make: match.group(1) + make() + "\n" + match.group(2), text)
    return text


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m dsatlas.rulesdoc docs/authoring.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    new = refresh(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
