"""Load: content pages and data records from disk, schema-checked, every problem a located finding.

The first step of the pipeline (load → analyse → gates → render → site). Nothing here raises on user
data: a bad file becomes findings and the run goes on to the next one.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .findings import Finding
from .markdown import Document, Fence, FrontMatterError, parse_body, split_front_matter
from .model import CompanyFacts, IncidentFacts, PageMeta, Signal, Source
from .yamlpos import PositionedYaml, YamlSyntaxError, load_yaml

MAX_FILE_BYTES = 512 * 1024
CONTENT_DIR = "content"
DATA_DIR = "data"

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Page:
    path: str  # as given or relative to the atlas root, for messages
    id: str | None  # content/<id>.md; None for stand-alone files
    text: str = ""
    meta: PageMeta | None = None
    meta_lines: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    document: Document | None = None  # the body, parsed once (None for .mmd files and unreadable ones)
    diagram: Fence | None = None
    findings: list[Finding] = field(default_factory=list)

    def line_of(self, *loc: object) -> tuple[int, int]:
        """File (line, col) of a front-matter key path such as ('figures', 0, 'label')."""
        return self.meta_lines.get(tuple(loc), (1, 1))


@dataclass
class DataRecord:
    path: str
    model: BaseModel | None
    findings: list[Finding]


class FileRefused(Exception):
    """A path that is not a regular file, or one larger than the limit: refused before it can hang us."""


_NOT_REGULAR = "not a regular file (a FIFO, device or socket): only text files belong here"


def read_capped(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, reading at most `limit` + 1 of them.

    The size check counts bytes actually read, not `st_size`: a symlink to /dev/zero or a FIFO named
    page.md is refused before it is read (it would never end, or never start), and a file that grows
    while being read stops at the limit. Raises FileRefused (with what to do) or OSError."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise FileRefused(_NOT_REGULAR)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
            raise FileRefused(_NOT_REGULAR)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise FileRefused(f"file is over {limit // 1024} KiB: pages and records must be under "
                          f"{limit // 1024} KiB; split it")
    return b"".join(chunks)


def read_text(path: Path, shown: str) -> tuple[str | None, list[Finding]]:
    """Read a UTF-8 text file, refusing binary, oversized, empty and non-regular files with a finding."""
    try:
        data = read_capped(path)
    except FileRefused as err:
        return None, [Finding(shown, 1, 1, "ATL001", str(err))]
    except OSError as err:
        return None, [Finding(shown, 1, 1, "ATL001", f"cannot read the file: {err.strerror}")]
    if b"\x00" in data:
        return None, [Finding(shown, 1, 1, "ATL001", "binary file (NUL bytes): only UTF-8 text belongs here")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return None, [Finding(shown, line, 1, "ATL001", "not UTF-8 text: save the file as UTF-8")]
    if not text.strip():
        return None, [Finding(shown, 1, 1, "ATL001", "empty file: write the page or delete the file")]
    return text.replace("\r\n", "\n"), []


def validate(model: type[Model], data: object, shown: str, locate, code: str = "ATL004"
             ) -> tuple[Model | None, list[Finding]]:
    """Validate against a pydantic model, turning each error into a finding at the key's line."""
    if not isinstance(data, dict):
        line, col = locate(())
        return None, [Finding(shown, line, col, code, "expected a mapping of keys to values")]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        findings = []
        for error in err.errors():
            loc = tuple(error["loc"])
            line, col = locate(loc)
            where = ".".join(str(part) for part in loc) or "document"
            findings.append(Finding(shown, line, col, code, f"{where}: {_explain(error)}"))
        return None, findings


def duplicate_key_findings(positioned: PositionedYaml, shown: str) -> list[Finding]:
    """ATL009 at each repeated key: YAML would silently keep only the last value."""
    return [Finding(shown, dup.line, dup.col, "ATL009",
                    f"duplicate key {dup.key!r} (first at line {dup.first_line}): only the last value would "
                    "count; keep one and merge the values")
            for dup in positioned.duplicates]


def _explain(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key: remove it or fix its spelling (`dsatlas schema` lists the keys)"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    return message


def load_page(path: Path, root: Path | None) -> Page:
    """Load one content page: front matter (schema-checked) and its single Mermaid block."""
    shown, page_id = _names(path, root)
    page = Page(path=shown, id=page_id)
    text, findings = read_text(path, shown)
    if text is None:
        page.findings = findings
        return page
    page.text = text
    try:
        split = split_front_matter(text)
    except FrontMatterError as err:
        page.findings.append(Finding(shown, err.line, 1, "ATL002", err.message))
        return page
    page.body, page.body_line = split.body, split.body_line
    page.document = parse_body(split.body, split.body_line)
    try:
        positioned = load_yaml(split.front_matter, line_offset=split.front_matter_line - 1)
    except YamlSyntaxError as err:
        page.findings.append(Finding(shown, err.line, err.col, "ATL003", err.message))
    else:
        meta, errors = validate(PageMeta, positioned.data, shown, positioned.locate)
        page.meta = meta
        page.findings.extend(duplicate_key_findings(positioned, shown))
        page.findings.extend(errors)
        if meta is not None:
            page.meta_lines = _index_lines(positioned)
    page.diagram = _single_diagram(page)
    return page


def load_diagram_file(path: Path, root: Path | None) -> Page:
    """A plain `.mmd` file: the whole file is the diagram; only the diagram gates apply."""
    shown, _ = _names(path, root)
    page = Page(path=shown, id=None)
    text, findings = read_text(path, shown)
    if text is None:
        page.findings = findings
        return page
    page.text = text
    page.diagram = Fence(info="mermaid", start_line=0, end_line=None, text=text)
    return page


def load_markdown_diagrams(path: Path, root: Path | None) -> list[Page]:
    """Any Markdown file, with or without front matter: one Page per ```mermaid block (`check
    --diagrams-only`). Front matter, when present, is skipped, not validated. Never an empty list: an
    unreadable file or an unclosed fence is a page without a diagram, carrying the finding."""
    shown, _ = _names(path, root)
    text, findings = read_text(path, shown)
    if text is None:
        return [Page(path=shown, id=None, findings=findings)]
    try:
        split = split_front_matter(text)
        body, body_line = split.body, split.body_line
    except FrontMatterError:
        body, body_line = text, 1
    document = parse_body(body, body_line)
    pages = []
    for fence in document.diagrams:
        page = Page(path=shown, id=None, text=text, body=body, body_line=body_line, document=document)
        if fence.end_line is None:
            page.findings.append(Finding(shown, fence.start_line, 1, "ATL005", _UNCLOSED))
        else:
            page.diagram = fence
        pages.append(page)
    return pages or [Page(path=shown, id=None, text=text, body=body, body_line=body_line, document=document)]


_UNCLOSED = "code fence is never closed: add the closing ``` line"


def _single_diagram(page: Page) -> Fence | None:
    fences = page.document.fences
    for fence in fences:
        if fence.end_line is None:
            page.findings.append(Finding(page.path, fence.start_line, 1, "ATL005", _UNCLOSED))
            return None
    diagrams = page.document.diagrams
    if not diagrams:
        page.findings.append(Finding(page.path, page.body_line, 1, "ATL005",
                                     "no ```mermaid block: every page draws exactly one diagram"))
        return None
    for extra in diagrams[1:]:
        page.findings.append(Finding(page.path, extra.start_line, 1, "ATL005",
                                     "a second ```mermaid block: one diagram per page; split the view "
                                     "into its own page"))
    return diagrams[0]


def _index_lines(positioned) -> dict[tuple, tuple[int, int]]:
    """Lines of the keys the gates point at: top-level keys and each list entry and its keys."""
    import yaml

    lines: dict[tuple, tuple[int, int]] = {}
    offset = positioned.line_offset

    def at(node) -> tuple[int, int]:
        return offset + node.start_mark.line + 1, node.start_mark.column + 1

    if not isinstance(positioned.root, yaml.MappingNode):
        return lines
    for key_node, value_node in positioned.root.value:
        lines[(key_node.value,)] = at(key_node)
        if isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[(key_node.value, index)] = at(item)
                if isinstance(item, yaml.MappingNode):
                    for sub_key, _ in item.value:
                        lines[(key_node.value, index, sub_key.value)] = at(sub_key)
    return lines


def _names(path: Path, root: Path | None) -> tuple[str, str | None]:
    """The path to show in findings and the page id (path under content/ without .md)."""
    resolved = path.resolve()
    if root is not None:
        content = (root / CONTENT_DIR).resolve()
        try:
            relative = resolved.relative_to(content)
            shown = str(resolved.relative_to(root.resolve()))
            return shown, relative.with_suffix("").as_posix()
        except ValueError:
            pass
    try:
        shown = str(resolved.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return shown, None


def load_record(path: Path, root: Path, model: type[Model]) -> DataRecord:
    shown = _shown(path, root)
    text, findings = read_text(path, shown)
    if text is None:
        return DataRecord(shown, None, findings)
    try:
        positioned = load_yaml(text)
    except YamlSyntaxError as err:
        return DataRecord(shown, None, [Finding(shown, err.line, err.col, "ATL003", err.message)])
    record, errors = validate(model, positioned.data, shown, positioned.locate)
    errors = duplicate_key_findings(positioned, shown) + errors
    if record is not None:
        key = "id" if model in (Source, Signal) else "slug"
        if getattr(record, key) != path.stem:
            line, col = positioned.locate((key,))
            errors.append(Finding(shown, line, col, "ATL004",
                                  f"{key} {getattr(record, key)!r} does not match the file name "
                                  f"{path.name!r}: rename one of them"))
            record = None
    return DataRecord(shown, record, errors)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


@dataclass
class Data:
    """The data/ tree: sources, company facts and incident facts, with the findings they raised."""

    sources: dict[str, Source] = field(default_factory=dict)
    companies: dict[str, CompanyFacts] = field(default_factory=dict)
    incidents: dict[str, IncidentFacts] = field(default_factory=dict)
    signals: dict[str, Signal] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""  # changes whenever any data file changes; keys the page cache
    invalid: set[str] = field(default_factory=set)  # records that exist but do not load: "incidents/<slug>"


def load_data(root: Path) -> Data:
    data = Data()
    digest = hashlib.sha256()
    for folder, model, target in (
        ("sources", Source, data.sources),
        ("companies", CompanyFacts, data.companies),
        ("incidents", IncidentFacts, data.incidents),
        ("signals", Signal, data.signals),
    ):
        base = root / DATA_DIR / folder
        try:
            entries = sorted(base.iterdir())
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as err:
            data.findings.append(unreadable_folder(base, err, root))
            continue
        for path in entries:
            if path.suffix not in (".yaml", ".yml"):
                continue
            try:
                digest.update(path.name.encode() + b"\0" + read_capped(path) + b"\0")
            except (OSError, FileRefused):
                pass  # load_record below reports it
            record = load_record(path, root, model)
            data.findings.extend(record.findings)
            if record.model is not None:
                target[path.stem] = record.model
            else:
                data.invalid.add(f"{folder}/{path.stem}")
    _check_record_references(data, root)
    data.digest = digest.hexdigest()
    return data


def _check_record_references(data: Data, root: Path) -> None:
    """Company, incident and signal records may only cite sources that exist."""
    for folder, records in (("companies", data.companies), ("incidents", data.incidents),
                            ("signals", data.signals)):
        for slug, record in records.items():
            cited = set(record.sources)
            if isinstance(record, CompanyFacts):
                cited |= {fact.source for fact in record.facts.values()}
                cited |= {system.source for system in record.systems}
            elif isinstance(record, IncidentFacts):
                cited |= {event.source for event in record.timeline}
                cited |= {item.source for item in [*record.misled_by, *record.what_worked]}
            elif record.threshold.source:
                cited.add(record.threshold.source)
            for source in sorted(cited - set(data.sources)):
                data.findings.append(Finding(f"{DATA_DIR}/{folder}/{slug}.yaml", 1, 1, "ATL402",
                                             f"cites unknown source {source!r}: add data/sources/{source}.yaml"))


def discover(paths: list[Path], problems: list[Finding] | None = None, root: Path | None = None) -> list[Path]:
    """Expand folders into their .md and .mmd files, sorted, each once (hidden folders skipped).

    A folder that cannot be listed adds an ATL008 finding to `problems` (os.walk would skip it silently,
    and its pages would vanish from the check with exit 0).
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            names = []

            def unreadable(err: OSError, top: Path = path) -> None:
                if problems is not None:
                    problems.append(unreadable_folder(Path(err.filename or top), err, root))

            for folder, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = [name for name in dirs if not name.startswith(".")]
                names.extend(os.path.join(folder, name) for name in files if name.endswith((".md", ".mmd")))
            for name in sorted(names):
                found[Path(name)] = None
        else:
            found[path] = None
    return list(found)


def unreadable_folder(folder: Path, err: OSError, root: Path | None) -> Finding:
    shown = _shown(folder, root) if root is not None else str(folder)
    return Finding(shown, 1, 1, "ATL008", f"cannot read this folder ({err.strerror or err}): its files are not "
                   "checked; make it readable (chmod u+rx) or remove it")
