"""`dsatlas check --changed REF`: the files a change touches, and everything in the atlas that draws on them.

git says which paths changed since REF (committed, staged, unstaged and untracked, relative to the
atlas root even when it sits below the git top level); the dependency table below says which pages
and records draw on a changed data record, so a broken or deleted record fails the check of its users.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .authoring.citations import Document, citations, load_documents
from .findings import Finding
from .loader import CONTENT_DIR, DATA_DIR
from .model import Kind
from .profiles import profile


def _cited_sources(document: Document) -> set[str]:
    return {citation.source for citation in citations([document])}


def _subject_facts(facts: str) -> Callable[[Document], set[str]]:
    """A page whose kind's profile says `facts` draws on the facts file of its subject."""

    def drawn_on(document: Document) -> set[str]:
        meta = document.yaml.data
        if document.role != "page" or not isinstance(meta, dict) or not isinstance(meta.get("subject"), str):
            return set()
        try:
            kind = Kind(meta.get("kind"))
        except ValueError:
            return set()
        return {meta["subject"]} if profile(kind).facts == facts else set()

    return drawn_on


def _page_signals(document: Document) -> set[str]:
    """The signals a page's failure modes watch."""
    meta = document.yaml.data
    if document.role != "page" or not isinstance(meta, dict) or not isinstance(meta.get("failure_modes"), list):
        return set()
    return {mode["signal"] for mode in meta["failure_modes"] if isinstance(mode, dict)
            and isinstance(mode.get("signal"), str)}


@dataclass(frozen=True)
class RecordType:
    folder: str  # records live at data/<folder>/<slug>.yaml
    drawn_on: Callable[[Document], set[str]]  # the slugs of this type a page or facts file draws on


# How pages and facts files depend on each record type under data/: a new record type adds one row.
RECORD_TYPES = (
    RecordType("sources", _cited_sources),
    RecordType("companies", _subject_facts("company")),
    RecordType("incidents", _subject_facts("incident")),
    RecordType("signals", _page_signals),
)


def changed_files(root: Path, ref: str) -> list[Path]:
    """What `--changed REF` checks: changed pages and records, and every page and record that draws on
    a changed record (through facts files too). A deleted page may break links anywhere: then all of
    content/ is checked."""
    names = changed_names(root, ref)
    targets: set[Path] = set()
    records: set[tuple[str, str]] = set()
    pages_deleted = False
    for name in names:
        path = root / name
        parts = PurePosixPath(name).parts
        if parts[0] == CONTENT_DIR and name.endswith((".md", ".mmd")):
            if path.is_file():
                targets.add(path)
            elif name.endswith(".md"):
                pages_deleted = True
        elif _record_of(name):
            records.add(_record_of(name))
            if path.is_file():
                targets.add(path)
    if records:
        targets.update(root / document for document in dependents(root, records))
    if pages_deleted:
        targets = {path for path in targets if _record_of(path.relative_to(root).as_posix())}
        targets.add(root / CONTENT_DIR)
    return sorted(targets)


def _record_of(name: str) -> tuple[str, str] | None:
    """(folder, slug) when `name` (relative to the atlas root) is a data record of a known type."""
    path = PurePosixPath(name)
    folders = {record_type.folder for record_type in RECORD_TYPES}
    if len(path.parts) == 3 and path.parts[0] == DATA_DIR and path.parts[1] in folders and \
            path.suffix in (".yaml", ".yml"):
        return path.parts[1], path.stem
    return None


def dependents(root: Path, records: set[tuple[str, str]]) -> list[str]:
    """Paths (relative to the root) of the pages and facts files that draw on `records`, transitively.

    Facts files first (few, and they may draw on each other), then only the pages whose text names a
    reached record: nothing draws on a page, and a page that never names a slug cannot depend on it.
    """
    reached = set(records)
    found: set[str] = set()
    facts, _ = load_documents(root, keep=lambda role, text: role != "page")
    grew = True
    while grew:
        grew = False
        for document in facts:
            if document.path not in found and _uses(document) & reached:
                found.add(document.path)
                reached.add(_record_of(document.path) or ("", document.path))
                grew = True
    slugs = {slug for _, slug in reached}
    pages, _ = load_documents(root, keep=lambda role, text: role == "page" and any(slug in text for slug in slugs))
    found.update(document.path for document in pages if _uses(document) & reached)
    return sorted(found)  # unreadable files are left out: they have findings of their own when checked


def _uses(document: Document) -> set[tuple[str, str]]:
    return {(record_type.folder, slug) for record_type in RECORD_TYPES for slug in record_type.drawn_on(document)}


def changed_names(root: Path, ref: str) -> list[str]:
    """Paths relative to `root` changed since `ref`: in commits, staged, unstaged, deleted or untracked."""
    if not ref or ref.startswith("-"):
        raise ValueError("a git ref cannot start with '-' (git would read it as an option)")
    try:
        base = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                    error=f"no commit {ref!r} in this repository").strip()
    except ValueError:
        if ref != "HEAD" or _git(root, "rev-list", "-n", "1", "--all"):
            raise
        base = _git(root, "hash-object", "-t", "tree", "--stdin").strip()  # before the first commit: all is new
    diff = _git(root, "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--relative",
                "--end-of-options", base, "--")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--")
    return sorted({name for name in (diff + untracked).split("\0") if name})


def repo_relative(findings: list[Finding], root: Path) -> list[Finding]:
    """Findings whose paths (relative to the atlas root) are made relative to the git top level, for
    consumers that resolve paths from the repository (GitHub annotations, code scanning)."""
    try:
        prefix = _git(root, "rev-parse", "--show-prefix").strip()
    except ValueError:
        return findings  # not in git: nothing to be relative to
    if not prefix:
        return findings
    return [replace(finding, path=prefix + finding.path)
            if not os.path.isabs(finding.path) and (root / finding.path).exists() else finding
            for finding in findings]


def _git(root: Path, *args: str, error: str | None = None) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ValueError("git is not installed: --changed needs it") from None
    if result.returncode != 0:
        message = os.fsdecode(result.stderr).strip().splitlines()
        raise ValueError(error if error and not any("not a git repository" in line for line in message)
                         else (message[-1] if message else f"git {args[0]} failed"))
    return os.fsdecode(result.stdout)
