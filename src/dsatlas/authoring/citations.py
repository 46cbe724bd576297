"""Who cites which source, and how old each figure is: the sources database seen from its users.

Reads page front matter and facts files as plain positioned YAML, not through the schema, so a page
with one bad key still reports the sources it cites; every item carries its `file:line:col`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..loader import CONTENT_DIR, DATA_DIR, read_text
from ..markdown import FrontMatterError, split_front_matter
from ..profiles import PROFILES
from ..yamlpos import PositionedYaml, YamlSyntaxError, load_yaml

# Where each kind of document cites a source id ("*" = every item of a list or mapping).
CITATION_PATHS = {
    "page": [("sources", "*"), ("figures", "*", "source"), ("failure_modes", "*", "as_done_by")],
    "company": [("sources", "*"), ("facts", "*", "source"), ("systems", "*", "source")],
    "incident": [("sources", "*"), ("timeline", "*", "source"), ("misled_by", "*", "source"),
                 ("what_worked", "*", "source")],
    "signal": [("sources", "*"), ("threshold", "source")],
}


# Pages that draw the past on purpose (the kind table's `historical`): their figures never go stale.
HISTORICAL_KINDS = frozenset(kind.value for kind, prof in PROFILES.items() if prof.historical)


@dataclass(frozen=True)
class Document:
    path: str  # relative to the atlas root, as findings show it
    role: str  # "page", "company", "incident" or "signal"
    yaml: PositionedYaml


@dataclass(frozen=True)
class Citation:
    source: str
    path: str
    line: int
    col: int
    where: str  # the key path, e.g. "figures[2].source"


@dataclass(frozen=True)
class Dated:
    """A figure, fact or page with its as_of date, for `dsatlas sources stale`."""

    path: str
    line: int
    col: int
    what: str
    as_of: str
    source: str | None


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str


def load_documents(root: Path, keep: Callable[[str, str], bool] | None = None
                   ) -> tuple[list[Document], list[Problem]]:
    """Every page's front matter and every company and incident facts file, as positioned YAML
    (only those whose role and text `keep` accepts, when given: it is cheaper than parsing)."""
    documents: list[Document] = []
    problems: list[Problem] = []
    content = root / CONTENT_DIR
    files = [(path, "page") for path in (sorted(content.rglob("*.md")) if content.is_dir() else [])]
    for folder, role in (("companies", "company"), ("incidents", "incident"), ("signals", "signal")):
        base = root / DATA_DIR / folder
        files += [(path, role) for path in (sorted(base.glob("*.y*ml")) if base.is_dir() else [])]
    for path, role in files:
        shown = path.relative_to(root).as_posix()
        text, findings = read_text(path, shown)
        if text is None:
            problems.extend(Problem(shown, finding.line, finding.message) for finding in findings)
            continue
        if keep is not None and not keep(role, text):
            continue
        try:
            if role == "page":
                split = split_front_matter(text)
                positioned = load_yaml(split.front_matter, line_offset=split.front_matter_line - 1)
            else:
                positioned = load_yaml(text)
        except (FrontMatterError, YamlSyntaxError) as err:
            problems.append(Problem(shown, err.line, err.message))
            continue
        documents.append(Document(shown, role, positioned))
    return documents, problems


def _walk(data: object, pattern: tuple, loc: tuple = ()):
    """Yield (key path, value) for every value at `pattern` ('*' matches each list item or mapping key)."""
    if not pattern:
        yield loc, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from _walk(item, rest, (*loc, index))
        elif isinstance(data, dict):
            for key, item in data.items():
                yield from _walk(item, rest, (*loc, key))
    elif isinstance(data, dict) and head in data:
        yield from _walk(data[head], rest, (*loc, head))


def _loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def citations(documents: list[Document]) -> list[Citation]:
    found = []
    for document in documents:
        for pattern in CITATION_PATHS[document.role]:
            for loc, value in _walk(document.yaml.data, pattern):
                if isinstance(value, str) and value.strip():
                    line, col = document.yaml.locate(loc)
                    found.append(Citation(value.strip(), document.path, line, col, _loc_text(loc)))
    return found


def dated_items(documents: list[Document]) -> list[Dated]:
    """Page figures, page as_of and company facts, each with its as_of (historical pages left out)."""
    items = []
    for document in documents:
        data = document.yaml.data
        if not isinstance(data, dict) or data.get("kind") in HISTORICAL_KINDS:
            continue
        if document.role == "page":
            entries = [(("figures", index), figure, str(figure.get("label", "")))
                       for index, figure in enumerate(data.get("figures") or []) if isinstance(figure, dict)]
            if data.get("as_of") is not None:
                line, col = document.yaml.locate(("as_of",))
                items.append(Dated(document.path, line, col, "the page (as_of)", _date_text(data["as_of"]), None))
        elif document.role == "company":
            facts = data.get("facts") or {}
            entries = [(("facts", key), fact, f"{key} = {fact.get('value', '')}")
                       for key, fact in (facts.items() if isinstance(facts, dict) else []) if isinstance(fact, dict)]
        else:
            continue
        for loc, entry, what in entries:
            if entry.get("as_of") is None:
                continue
            line, col = document.yaml.locate((*loc, "as_of"))
            source = entry.get("source")
            items.append(Dated(document.path, line, col, what, _date_text(entry["as_of"]),
                               source if isinstance(source, str) else None))
    return items


def _date_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def period_end(as_of: str) -> dt.date | None:
    """The last day a partial date can mean: '2021' → 2021-12-31, '2021-02' → 2021-02-28."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", as_of.strip())
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        if day:
            return dt.date(int(year), int(month), int(day))
        if month:
            return dt.date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])
        return dt.date(int(year), 12, 31)
    except ValueError:
        return None


def years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def stale_items(items: list[Dated], today: dt.date, years: int) -> list[Dated]:
    """Items whose as_of, read as generously as its precision allows, is more than `years` old."""
    cutoff = years_before(today, years)
    return [item for item in items if (end := period_end(item.as_of)) is not None and end < cutoff]
