"""`dsatlas check`: load → analyse → gates for many pages, in parallel, cached by content hash.

Per-page work (load, Mermaid parse, page gates) runs in worker processes, each with its own V8 engine
(spawned, never forked: V8 does not survive a fork). Cross-page gates (links, originality) run in the
parent on small summaries, so a warm run reads files, hashes them and reuses cached summaries.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .findings import Finding
from .gates import PageContext, links, originality, page_gates, registry, run_page_gates, waivers, with_severity
from .loader import (
    CONTENT_DIR,
    Data,
    FileRefused,
    Page,
    discover,
    load_data,
    load_diagram_file,
    load_markdown_diagrams,
    load_page,
    read_capped,
)
from .profiles import profile
from .results import CheckResult, PageSummary
from .store import Store, cache_key, code_digest

IN_PROCESS_LIMIT = 6  # below this many uncached pages, starting workers costs more than it saves


def find_root(start: Path) -> Path:
    """The atlas root: the nearest folder at or above `start` holding content/ or data/."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / CONTENT_DIR).is_dir() or (folder / "data").is_dir():
            return folder
    return start


# ---- analysis of one page (runs in workers) -------------------------------------------------------

_engine = None


def _get_engine():
    global _engine
    if _engine is None:
        from .engine import MermaidEngine

        _engine = MermaidEngine()
        atexit.register(_close_engine)
    return _engine


def _close_engine() -> None:
    global _engine
    if _engine is not None:
        _engine.close()
        _engine = None


def parse_key(text: str, mermaid: str) -> str:
    return cache_key("parse", mermaid, text)


def _decode_parse(raw: bytes) -> dict:
    """A cached parse, checked to be one (the store drops a row this refuses)."""
    from .engine import ParseResult

    return ParseResult.from_dict(json.loads(raw)).to_dict()


DIAGRAMS_ONLY_GATES = ("syntax",)  # `check --diagrams-only`: Mermaid's parser and diagram safety, nothing else


class ParseCache:
    """Mermaid parses by `parse_key`: the ones this run already has, then the store's, read a key at a time.

    A run that checks three changed pages of a 900-page atlas (`dsatlas serve` after an edit) decodes
    the parses of those three pages, not the whole table (1,800 JSON documents, most of such a run).
    """

    def __init__(self, known: dict[str, dict] | None = None, store: Store | None = None) -> None:
        self.known = {} if known is None else known
        self.store = store

    def get(self, key: str) -> dict | None:
        if key not in self.known and self.store is not None:
            self.known.update(self.store.get("parses", [key], _decode_parse))
        return self.known.get(key)

    def add(self, parses: dict[str, dict]) -> None:
        self.known.update(parses)


def analyse(path: Path, root: Path, data: Data, parse_cache: ParseCache,
            diagrams_only: bool = False) -> tuple[PageSummary, dict]:
    """Load one file, parse its diagram (or reuse a cached parse), and run the page gates."""
    if diagrams_only:
        return _analyse_diagrams(path, root, data, parse_cache)
    page = load_diagram_file(path, root) if path.suffix == ".mmd" else load_page(path, root)
    ctx, new_parses = _parse_diagram(page, data, parse_cache)
    run_page_gates(ctx)  # a .mmd file or broken front matter has no profile: only the diagram gates run
    summary = PageSummary(
        path=page.path,
        id=page.id,
        findings=page.findings + ctx.findings,
        diagram_line=page.diagram.start_line if page.diagram else 1,
        fingerprint=ctx.structure.fingerprint() if ctx.structure and originality.compared(ctx.profile) else None,
    )
    if page.meta is not None:
        summary.links = [(link.target, link.line, link.col) for link in page.document.links]
        summary.related = [(item, *page.line_of("related", index)) for index, item in enumerate(page.meta.related)]
        summary.waived = waivers.waived_codes(page.meta)
    return summary, new_parses


def _analyse_diagrams(path: Path, root: Path, data: Data, parse_cache: ParseCache) -> tuple[PageSummary, dict]:
    """Every ```mermaid block of any Markdown file (or a whole .mmd file), each at its own file line."""
    pages = [load_diagram_file(path, root)] if path.suffix == ".mmd" else load_markdown_diagrams(path, root)
    gates = [gate for gate in page_gates() if gate.__name__.rsplit(".", 1)[-1] in DIAGRAMS_ONLY_GATES]
    findings: list[Finding] = []
    new_parses: dict[str, dict] = {}
    for page in pages:
        ctx, parses = _parse_diagram(page, data, parse_cache)
        parse_cache.add(parses)  # the same block twice in one file is parsed once
        ctx.rules = registry()
        for gate in gates:
            gate.check(ctx)
        findings.extend(page.findings + ctx.findings)
        new_parses.update(parses)
    return PageSummary(path=pages[0].path, id=None, findings=findings), new_parses


def _parse_diagram(page: Page, data: Data, parse_cache: ParseCache) -> tuple[PageContext, dict[str, dict]]:
    """The page's context for the gates: its diagram parsed by Mermaid, or the cached parse of that text."""
    from .diagram import build_structure
    from .engine import ParseResult, over_text_limit

    parse = None
    structure = None
    new_parses: dict[str, dict] = {}
    if page.diagram is not None and not over_text_limit(page.diagram.text):  # the syntax gate says why
        key = parse_key(page.diagram.text, _mermaid_version())
        cached = parse_cache.get(key)
        if cached is not None:
            parse = ParseResult.from_dict(cached)
        else:
            parse = _get_engine().parse(page.diagram.text)
            new_parses[key] = parse.to_dict()
        if parse.ok:
            structure = build_structure(parse.diagram_type, parse.structure, page.diagram.text)
    page_profile = profile(page.meta.kind) if page.meta else None
    ctx = PageContext(page=page, data=data, profile=page_profile, parse=parse, structure=structure)
    return ctx, new_parses


_mermaid_cache: str | None = None


def _mermaid_version() -> str:
    global _mermaid_cache
    if _mermaid_cache is None:
        from .engine import EngineUnavailable, mermaid_version

        try:
            _mermaid_cache = mermaid_version()
        except EngineUnavailable:
            _mermaid_cache = "missing"
    return _mermaid_cache


# ---- worker plumbing ------------------------------------------------------------------------------

_worker_state: dict = {}


def _worker_init(root: str, data: Data, parse_cache: dict[str, dict], diagrams_only: bool = False) -> None:
    _worker_state.update(root=Path(root), data=data, parse_cache=ParseCache(parse_cache), diagrams_only=diagrams_only)
    atexit.register(_worker_exit)


def _worker_exit() -> None:
    """Close this worker's V8 engine, then leave without interpreter teardown.

    mini-racer sometimes blocks forever when a context is freed during teardown, which would leave the
    pool (and `dsatlas check`) waiting for the worker. Results are already sent when this runs.
    """
    _close_engine()
    os._exit(0)


def _worker_run(paths: list[str]) -> list[tuple[str, str, dict]]:
    out = []
    for raw in paths:
        summary, parses = _safe_analyse(Path(raw), _worker_state["root"], _worker_state["data"],
                                        _worker_state["parse_cache"], _worker_state["diagrams_only"])
        out.append((raw, summary.to_json(), parses))
    return out


def _safe_analyse(path: Path, root: Path, data: Data, parse_cache: ParseCache, diagrams_only: bool = False
                  ) -> tuple[PageSummary, dict]:
    """A bug in a gate must not take the whole run down: it becomes a finding on that file."""
    try:
        return analyse(path, root, data, parse_cache, diagrams_only)
    except Exception as err:  # noqa: BLE001 - reported as a finding, with what to do
        from .engine import EngineUnavailable

        if isinstance(err, EngineUnavailable):
            raise
        from .loader import _names

        shown = _names(path, root)[0]
        return PageSummary(path=shown, id=None, findings=[
            Finding(shown, 1, 1, "ATL000", f"internal error while checking this file ({type(err).__name__}: "
                    f"{err}); please report it with the file attached")]), {}


# ---- the run --------------------------------------------------------------------------------------


def page_key(path: Path, content: bytes, data: Data, mode: str = "page") -> str:
    return cache_key(mode, code_digest(), _mermaid_version(), data.digest, os.path.abspath(path), content)


def run_check(
    paths: list[Path],
    root: Path,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    diagrams_only: bool = False,
) -> CheckResult:
    """Check pages; with `diagrams_only`, only the Mermaid blocks of any Markdown file (no front matter,
    no data, no cross-page gates)."""
    records = [path for path in paths if path.suffix in (".yaml", ".yml") and path.is_file()]
    paths = [path for path in paths if path not in records]
    if diagrams_only:
        records = []
    unreadable: list[Finding] = []
    files = discover(paths, unreadable, root)
    data = Data() if diagrams_only else load_data(root)
    cache = Store(root) if use_cache else None
    keys: dict[Path, str] = {}
    for path in files:
        try:
            keys[path] = page_key(path, read_capped(path), data, "diagrams" if diagrams_only else "page")
        except (OSError, FileRefused):
            keys[path] = ""  # analyse reports why
    hits = cache.get("pages", [key for key in keys.values() if key], PageSummary.from_json) if cache else {}
    summaries: dict[Path, PageSummary] = {}
    todo: list[Path] = []
    for path in files:
        hit = hits.get(keys[path])
        if hit is not None:
            summaries[path] = hit
        else:
            todo.append(path)
    done = len(summaries)
    if progress:
        progress(done, len(files))
    if todo:
        new_parses: dict[str, dict] = {}
        new_pages: dict[str, str] = {}
        workers = jobs or os.cpu_count() or 1
        if len(todo) <= IN_PROCESS_LIMIT or workers == 1:
            parse_cache = ParseCache(store=cache)
            for path in todo:
                summary, parses = _safe_analyse(path, root, data, parse_cache, diagrams_only)
                summaries[path] = summary
                new_parses.update(parses)
                parse_cache.add(parses)
                new_pages[keys[path]] = summary.to_json()
                done += 1
                if progress:
                    progress(done, len(files))
        else:
            chunk = max(1, min(16, len(todo) // (workers * 4) or 1))
            batches = [[str(path) for path in todo[i : i + chunk]] for i in range(0, len(todo), chunk)]
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(batches)), mp_context=context,
                                     initializer=_worker_init,
                                     initargs=(str(root), data, cache.all("parses", _decode_parse) if cache else {},
                                               diagrams_only)) as pool:
                futures = [pool.submit(_worker_run, batch) for batch in batches]
                for future in as_completed(futures):
                    for raw_path, raw_summary, parses in future.result():
                        path = Path(raw_path)
                        summaries[path] = PageSummary.from_json(raw_summary)
                        new_parses.update(parses)
                        new_pages[keys[path]] = raw_summary
                        done += 1
                    if progress:
                        progress(done, len(files))
        if cache:
            # an internal error (ATL000: a missing dependency, a gate bug) is never remembered as a verdict
            cache.put("pages", {key: value for key, value in new_pages.items() if key and '"ATL000"' not in value})
            cache.put("parses", {key: json.dumps(value) for key, value in new_parses.items()})
    if cache:
        cache.close()
    ordered = [summaries[path] for path in files]
    findings = list(data.findings) if _covers_data(paths, root) else []
    named = {_relative(record, root) for record in records}
    findings.extend(finding for finding in data.findings if finding.path in named and finding not in findings)
    if not diagrams_only:
        findings.extend(_atlas_findings(ordered, root))
    findings.extend(unreadable)
    for summary in ordered:
        findings.extend(summary.findings)
    findings = waivers.apply(with_severity(findings), ordered, registry())
    return CheckResult(ordered, sorted(set(findings)), checked=len(files) + len(records),
                       cached=len(files) - len(todo))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _covers_data(paths: list[Path], root: Path) -> bool:
    """Data-file findings are shown when the run covers the atlas root or data/."""
    data_dir = (root / "data").resolve()
    for path in paths:
        resolved = path.resolve()
        if resolved == root.resolve() or resolved == data_dir or data_dir in resolved.parents:
            return True
    return False


def _atlas_findings(summaries: list[PageSummary], root: Path) -> list[Finding]:
    all_pages = list(summaries)
    known = {summary.id for summary in summaries if summary.id}
    content = root / CONTENT_DIR
    if content.is_dir():  # links resolve against the whole atlas, not only the pages checked now
        for path in discover([content]):
            page_id = path.relative_to(content).with_suffix("").as_posix()
            if path.suffix == ".md" and page_id not in known:
                all_pages.append(PageSummary(path=str(path), id=page_id))
    checked = {summary.path for summary in summaries}
    found = [finding for finding in links.check_atlas(all_pages) if finding.path in checked]
    found.extend(originality.check_atlas(summaries))
    return found
