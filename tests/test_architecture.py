"""The toolchain's structure: no import cycles, one rule registry, one kind table, generated docs."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import check_codes, edit

import dsatlas
from dsatlas.check import run_check
from dsatlas.gates import registry
from dsatlas.gates.links import link_targets, resolve_link
from dsatlas.model import Kind
from dsatlas.profiles import PROFILES, classify
from dsatlas.rulesdoc import refresh

PACKAGE = Path(dsatlas.__file__).parent
REPO = PACKAGE.parent.parent
STORAGE = Path("content/systems/acme/storage.md")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every import between dsatlas modules, function-local and TYPE_CHECKING ones included."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_dsatlas_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_cycle_finder_finds_a_hidden_cycle():
    graph = import_graph()
    assert "dsatlas.gates" in graph["dsatlas.check"]
    graph["dsatlas.gates.links"].add("dsatlas.check")  # what the function-local import used to hide
    assert find_cycle(graph) is not None


def test_every_finding_code_in_the_source_is_a_registered_rule():
    codes = registry()
    literals = {}
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for code in re.findall(r"\bATL\d{3}\b", line):
                literals.setdefault(code, f"{path.relative_to(REPO)}:{number}")
    unregistered = {code: where for code, where in literals.items() if code not in codes}
    assert not unregistered, f"codes used but not registered: {unregistered}"
    assert {"ATL000", "ATL981", "ATL982"} <= set(codes)


def test_rules_command_knows_every_code_and_speaks_json(run, atlas):
    code, out = run(atlas, "rules", "ATL981")
    assert code == 0 and "path the site generates" in out
    code, out = run(atlas, "rules", "--format", "json")
    rules = {rule["code"]: rule for rule in json.loads(out)}
    assert code == 0 and set(rules) == set(registry())
    assert rules["ATL501"]["kinds"] == ["architecture", "storage"]
    assert rules["ATL002"]["waivable"] is False and rules["ATL301"]["waivable"] is True


def test_docs_tables_are_generated_from_the_registry_and_the_kind_table():
    doc = REPO / "docs" / "authoring.md"
    text = doc.read_text()
    assert refresh(text) == text, "docs/authoring.md is stale: run `.venv/bin/python -m dsatlas.rulesdoc " \
                                  "docs/authoring.md`"
    for code in registry():
        assert f"| {code} |" in text


def test_a_rules_declared_severity_reaches_its_findings(atlas, monkeypatch):
    rules = registry()
    monkeypatch.setitem(rules, "ATL911", replace(rules["ATL911"], severity="warning"))
    edit(atlas / STORAGE, "  accTitle: Acme storage\n", "")
    result = run_check([atlas / "content"], atlas, jobs=1, use_cache=False)
    found = [finding for finding in result.findings if finding.code == "ATL911"]
    assert [finding.severity for finding in found] == ["warning"]
    assert result.errors == 0


def test_load_findings_cannot_be_waived(atlas):
    page = atlas / STORAGE
    text = page.read_text()
    diagram = text[text.index("```mermaid"): text.index("```\n", text.index("```mermaid") + 3) + 4]
    edit(page, "related: [systems/acme/architecture]",
         "related: [systems/acme/architecture]\nwaivers: [{code: ATL005, reason: two views on purpose}]")
    page.write_text(page.read_text() + "\n" + diagram)  # a second diagram: ATL005
    codes = [code for path, code, _ in check_codes(atlas) if path == str(STORAGE)]
    assert codes.count("ATL005") == 1 and "ATL006" in codes


@pytest.mark.parametrize("folder", ["guarantees/linearizability", "mechanisms/raft"])
def test_placement_refuses_a_view_that_spans_folders(atlas, folder):
    source = atlas / "content" / folder
    assert source.is_dir(), f"the fixture has pages under content/{folder}/"
    page = next(source.glob("*.md"))
    deep = source / "a" / "b" / page.name
    deep.parent.mkdir(parents=True)
    page.rename(deep)
    found = [(path, code) for path, code, _ in check_codes(atlas)]
    assert (str(deep.relative_to(atlas)), "ATL007") in found


@pytest.mark.parametrize(("page_id", "expected"), [
    ("systems/netflix/storage", (Kind.storage, "netflix", "storage")),
    ("incidents/aws-s3-2017/timeline", (Kind.incident_timeline, "aws-s3-2017", "timeline")),
    ("guarantees/linearizability/contract", (Kind.guarantee, "linearizability", "contract")),
    ("mechanisms/consensus/raft", (Kind.mechanism, "consensus", "raft")),
    ("guarantees/linearizability/overview", None),  # not one of the six views
    ("mechanisms/consensus/a/raft", None),  # a view is one folder name
    ("systems/netflix/overview", None),
    ("incidents/x/summary", None),
])
def test_one_kind_table_places_every_page(page_id, expected):
    assert classify(page_id) == expected


def test_every_kind_has_one_profile_and_a_template():
    templates = PACKAGE / "templates"
    assert set(PROFILES) == set(Kind)
    for kind in Kind:
        assert (templates / f"{kind.value}.md.j2").is_file(), kind


def test_links_to_a_folder_index_resolve_to_the_folder():
    assert resolve_link("systems/acme/storage", "index.md") == "systems/acme"
    assert resolve_link("systems/acme/storage", "../index.md") == "systems"
    assert resolve_link("systems/acme/storage", "../../index.md") == ""
    assert resolve_link("systems/acme/storage", "myindex.md") == "systems/acme/myindex"
    assert resolve_link("systems/acme/storage", "architecture.md#x") == "systems/acme/architecture"
    assert link_targets({"systems/acme/storage"}) == {"", "systems", "systems/acme", "systems/acme/storage"}


def test_a_link_to_a_folder_index_page_passes_and_a_dead_one_fails(atlas):
    edit(atlas / STORAGE, "[the architecture](architecture.md)", "[Acme](index.md), [systems](../index.md)")
    assert check_codes(atlas) == []
    edit(atlas / STORAGE, "[systems](../index.md)", "[systems](../nope/index.md)")
    assert [code for _, code, _ in check_codes(atlas)] == ["ATL921"]
