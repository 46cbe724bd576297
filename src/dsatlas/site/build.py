"""`dsatlas build`: check → load → render → compile → write the tree → engine, as visible steps.

The generated tree (`build/site-src/` by default) is plain Markdown plus a `mkdocs.yml`: every page,
index, table and SVG is already in it, so any engine that reads Markdown can render it. Only files
whose text changed are rewritten, which is what lets `dsatlas serve` rebuild one page in about a
second: the engine's incremental mode rebuilds the pages whose source is newer than their HTML.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from importlib import resources
from pathlib import Path

from .. import safe
from ..check import run_check
from ..findings import Finding
from ..loader import CONTENT_DIR, DATA_DIR, load_data
from ..opendata import site_documents
from ..results import CheckResult
from ..store import Store
from . import config as site_config
from .catalog import PageCatalog, SitePage, Unloadable
from .engines import EngineError, mkdocs_build, zensical_build
from .indexes import PROGRESS_DOC, folder_markdown, signal_documents, symptom_documents, tags_markdown
from .markup import folder_doc, page_doc
from .pagebuild import EngineSession
from .pages import (
    PROSE_SAFETY_CODES,
    PageContext,
    compile_page,
    failed_figure_html,
    figure_html,
    page_inputs,
    pending_figure_html,
    related_index,
)
from .render import RENDER_DEADLINE_S, DiagramRenderer, RenderDeadlineExceeded, RenderFailure, RenderJob
from .svg import DIAGRAM_WIDTH_PX, MIN_LABEL_PX, label_px
from .tree import build_tree

DOCS = "docs"
CONFIG_FILE = "mkdocs.yml"
ZENSICAL_SITE = "site"
RESERVED = ("index", "tags", "progress", "symptoms", "signals", "assets", "search")
GENERATED_FOLDERS = ("symptoms", "signals", "assets", "search")  # no content page under these

Progress = Callable[[str, int, int], None]


@dataclass
class BuildOptions:
    root: Path
    out: Path  # the HTML site
    tree: Path  # the generated Markdown tree and mkdocs.yml
    strict: bool = True  # False: a draft that shows each page's problems on the page instead of failing
    engine: str = "mkdocs"
    theme: str = "default"  # Mermaid theme the diagrams are rendered with
    jobs: int | None = None
    timeout_s: float = 30.0  # per diagram
    render_deadline_s: float = RENDER_DEADLINE_S  # the whole render stage, browser start included
    use_cache: bool = True
    live_reload: bool = False
    defer_render: bool = False  # `dsatlas serve`: build at once, diagrams not drawn yet show a placeholder
    progress: Progress | None = None


@dataclass
class BuildReport:
    pages: int = 0
    documents: int = 0
    changed: list[str] = field(default_factory=list)  # documents (re)written in the tree
    rendered: int = 0  # diagrams drawn by Chromium in this build
    reused: int = 0  # diagrams taken from the render cache
    pending: int = 0  # defer_render: diagrams shown as a placeholder, for render_pending() to draw
    full: bool = True  # False: the engine rewrote the changed pages of the served site in place
    navigation: bool = False  # a rebuild whose navigation changed (a page added, removed or retitled)
    engine_pages: dict[str, int] = field(default_factory=dict)  # pages the engine populated, rendered, reused
    warnings: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # draft builds: what strict mode would reject
    label_px: dict[str, float] = field(default_factory=dict)  # page id → its labels' size on the page
    timings: dict[str, float] = field(default_factory=dict)


class BuildFailed(Exception):
    """The atlas cannot be published as it is; `findings` say where and why."""

    def __init__(self, message: str, findings: list[Finding] | None = None, lines: list[str] | None = None):
        super().__init__(message)
        self.findings = findings or []
        self.lines = lines or []


class SiteBuilder:
    """Builds the site; kept alive by `dsatlas serve` so unchanged pages, diagrams and Chromium are reused."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.catalog = PageCatalog(options.root, use_cache=options.use_cache)
        self._renderer: DiagramRenderer | None = None
        self._written: dict[str, str] = {}  # document → text last written to the tree
        self._swept = False  # whether the tree was cleared of documents this builder did not write
        self._compiled: dict[str, tuple] = {}  # page id → (what its Markdown was compiled from, Markdown)
        self._config_text: str | None = None
        self._built_once = False
        self._label_px: dict[str, float | None] = {}  # render key → its labels' size (svg.label_px)
        self._related: dict = {}  # related_index's memo
        self._open_data: dict = {}  # site_documents' memo: each open-data file, by what it was made from
        self._indexes: tuple | None = None  # (what the generated pages were made from, the pages)
        self.engine_session = EngineSession()  # the engine's loaded state, kept between rebuilds
        self.pending: list[RenderJob] = []  # defer_render: diagrams the last build showed as placeholders
        self._svgs: dict[str, str] = {}  # by render key: the last build's SVGs and those render_pending drew
        self._drawn_failures: dict[str, RenderFailure] = {}

    # ---- public ----------------------------------------------------------------------------------

    def build(self) -> BuildReport:
        """Compile and render everything with the engine (a clean, full build)."""
        report = BuildReport()
        self._compile(report)
        self._run_engine(report, in_place=False)
        return report

    def rebuild(self) -> BuildReport:
        """Compile again and let the engine redo only what changed, in place (`dsatlas serve`'s draft site)."""
        report = BuildReport()
        config_before = self._config_text
        docs_before = set(self._written)
        self._compile(report)
        if not report.changed:
            report.full = False
            return report
        report.navigation = config_before != self._config_text or docs_before != set(self._written)
        self._run_engine(report, in_place=self._built_once and self.options.engine == "mkdocs")
        return report

    def render_pending(self, limit: int) -> int:
        """Draw up to `limit` of the diagrams the last build left as placeholders (`defer_render`); the
        next `rebuild()` shows them. Returns how many are still waiting."""
        batch, self.pending = self.pending[:limit], self.pending[limit:]
        if batch:
            try:
                fresh, failures = self._diagram_renderer().render(batch, None, self.options.render_deadline_s)
            except RenderDeadlineExceeded as err:
                raise BuildFailed(str(err)) from None
            self._svgs.update(fresh)
            self._drawn_failures.update({failure.key: failure for failure in failures})
            if self.options.use_cache and fresh:
                with Store(self.options.root) as cache:
                    cache.put("render", fresh)
        return len(self.pending)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ---- the pipeline ----------------------------------------------------------------------------

    def _compile(self, report: BuildReport) -> None:
        options = self.options
        root = options.root
        if not (root / CONTENT_DIR).is_dir():
            raise BuildFailed(f"{root} has no {CONTENT_DIR}/ folder: run in an atlas, or pass --root")
        started = time.perf_counter()
        checked = self._check()
        problems = checked.error_findings()
        data = load_data(root)
        pages, unloadable = self.catalog.load()
        report.pages = len(pages)
        problems.extend(_reserved_ids(pages))
        dashboard, plan_problems = _dashboard(root, checked)
        problems.extend(plan_problems)
        report.timings["check+load"] = time.perf_counter() - started
        if options.strict and problems:  # before starting a browser for an atlas that cannot be published
            raise BuildFailed("the atlas does not pass its checks", sorted(set(problems)))

        started = time.perf_counter()
        figures, failures = self._render(pages, report)
        report.timings["render"] = time.perf_counter() - started
        problems.extend(Finding(failure.path, failure.line, 1, "ATL982", failure.message) for failure in failures)
        if options.strict and problems:
            raise BuildFailed("a diagram did not render", sorted(set(problems)))
        problems.extend(_illegible(pages, report.label_px))
        if options.strict and problems:
            raise BuildFailed("a diagram's labels are too small to read at the site's width", sorted(set(problems)))
        report.problems = sorted(set(problems))

        started = time.perf_counter()
        documents = self._documents(pages, unloadable, data, figures, dashboard, report.problems)
        nav = site_config.navigation(build_tree(pages, data), list(documents), dashboard is not None)
        _verify_navigation(nav, documents)
        # Zensical only writes inside the folder of its config: it builds into the tree, then we move it.
        site_dir = Path(ZENSICAL_SITE) if options.engine == "zensical" else options.out.resolve()
        self._config_text = site_config.mkdocs_yml(nav, site_dir, options.strict, options.live_reload)
        documents.update(_assets())
        documents.update(site_documents(pages, data, self._open_data))  # /atlas.json, its schema, /<id>.json
        report.documents = len(documents)
        report.changed = self._write_tree(documents)
        report.timings["compile"] = time.perf_counter() - started

    def _check(self) -> CheckResult:
        """`dsatlas check` on the whole atlas, once per build: its errors fail the build, and the progress
        dashboard reads the same result."""
        root = self.options.root
        targets = [root / folder for folder in (CONTENT_DIR, DATA_DIR) if (root / folder).is_dir()]
        progress = self._stage("Checking")
        return run_check(targets, root, jobs=self.options.jobs, use_cache=self.options.use_cache,
                         progress=progress)

    def _render(self, pages: list[SitePage], report: BuildReport) -> tuple[dict[str, str], list[RenderFailure]]:
        """SVG <figure> per page id, from cache or Chromium."""
        renderer = self._diagram_renderer()
        jobs: dict[str, RenderJob] = {}
        for page in pages:
            if page.diagram is not None and page.diagram.end_line is not None:
                jobs[page.id] = RenderJob(renderer.key(page.diagram.text), page.diagram.text, page.path,
                                          page.diagram.start_line)
        all_jobs = list(jobs.values())
        cache = Store(self.options.root) if self.options.use_cache else None
        svgs = {job.key: self._svgs[job.key] for job in all_jobs if job.key in self._svgs}  # a key is its content
        if cache:
            svgs.update(cache.get("render", [job.key for job in all_jobs if job.key not in svgs], bytes.decode))
        failures = [replace(self._drawn_failures[job.key], path=job.path) for job in all_jobs
                    if job.key not in svgs and job.key in self._drawn_failures]
        missing = [job for job in all_jobs if job.key not in svgs and job.key not in self._drawn_failures]
        pending = {job.key for job in missing} if self.options.defer_render else set()
        self.pending = list({job.key: job for job in missing}.values()) if pending else []  # render_pending()
        if missing and not pending:
            try:
                fresh, failures = renderer.render(missing, self._stage("Rendering"), self.options.render_deadline_s)
            except RenderDeadlineExceeded as err:
                if cache:
                    cache.close()
                raise BuildFailed(str(err)) from None
            svgs.update(fresh)
            if cache:
                cache.put("render", fresh)
        if cache:
            cache.close()
        self._svgs = {job.key: svgs[job.key] for job in all_jobs if job.key in svgs}  # kept for the next rebuild
        report.rendered = 0 if pending else len({job.key for job in missing})
        report.reused = len(all_jobs) - len(missing)
        report.pending = len(pending)
        failed = {(failure.key, failure.path): failure.human() for failure in failures}

        def figure(job: RenderJob, title: str) -> str:
            if job.key in svgs:
                return figure_html(svgs[job.key], title)
            if job.key in pending:
                return pending_figure_html()
            return failed_figure_html(failed.get((job.key, job.path), "The diagram was not rendered."))

        titles = {page.id: page.meta.title for page in pages}
        figures = {page_id: figure(job, titles[page_id]) for page_id, job in jobs.items()}
        for key in {job.key for job in all_jobs if job.key in svgs} - set(self._label_px):
            self._label_px[key] = label_px(svgs[key])
        report.label_px = {page_id: self._label_px[job.key] for page_id, job in jobs.items()
                           if job.key in svgs and self._label_px[job.key] is not None}
        return figures, failures

    def _diagram_renderer(self) -> DiagramRenderer:
        if self._renderer is None:
            self._renderer = DiagramRenderer(theme=self.options.theme, workers=self.options.jobs,
                                             timeout_s=self.options.timeout_s)
        return self._renderer

    def _documents(self, pages: list[SitePage], unloadable: list[Unloadable], data, figures: dict[str, str],
                   dashboard: str | None, problems: list[Finding]) -> dict[str, str]:
        tree = build_tree(pages, data)
        by_id = {page.id: page for page in pages}
        tags: dict[str, list[str]] = {}
        for page in pages:
            for tag in page.meta.tags:
                tags.setdefault(tag, []).append(page.id)
        by_path = {page.path: page.id for page in pages}
        page_problems: dict[str, list[str]] = {}
        for finding in problems:
            if finding.path in by_path:
                page_problems.setdefault(by_path[finding.path], []).append(finding.human())
        refused = {by_path[finding.path] for finding in problems if finding.code in PROSE_SAFETY_CODES
                   and finding.path in by_path}
        ctx = PageContext(data=data, tree=tree, pages=by_id, tags=tags, figures=figures, problems=page_problems,
                          refused=refused, related=related_index(by_id, tags, self._related))
        documents = self._page_documents(pages, ctx, data)
        note = _unloadable_note(unloadable, problems) if unloadable and not self.options.strict else ""
        inputs = (data.digest, [(page.id, page.path, page.meta) for page in pages], dashboard, note)
        if self._indexes is None or self._indexes[0] != inputs:  # they read no page's text: an edit to one
            self._indexes = (inputs, _index_documents(tree, data, tags, by_id, dashboard, note))  # keeps them
        documents.update(self._indexes[1])
        return documents

    def _page_documents(self, pages: list[SitePage], ctx: PageContext, data) -> dict[str, str]:
        """Each page's Markdown, compiled again only when the page or its inputs (`PageInputs`: its diagram,
        its problems, the data, what it shows of other pages) changed: an edit to one page's text
        recompiles one page, a new page the few that now list it, not 900."""
        documents = {}
        memo = {}
        for page in pages:
            inputs = page_inputs(page, ctx)
            cached = self._compiled.get(page.id)
            if cached is not None and cached[0][0] is page and cached[0][1] == inputs:
                text = cached[1]
            else:
                text = compile_page(page, inputs, data)
            memo[page.id] = ((page, inputs), text)
            documents[page_doc(page.id)] = text
        self._compiled = memo
        return documents

    def _write_tree(self, documents: dict[str, str]) -> list[str]:
        """Write what changed (atomically), delete what is gone; return the changed documents."""
        from ..util import write_atomic

        docs_dir = self.options.tree / DOCS
        changed = []
        for doc, text in documents.items():
            target = docs_dir / doc
            if self._written.get(doc) == text or (doc not in self._written and _same(target, text)):
                self._written[doc] = text
                continue
            write_atomic(target, text)
            self._written[doc] = text
            changed.append(doc)
        if not self._swept:  # what an earlier run left in the tree; after that, the tree holds what was written
            if docs_dir.is_dir():
                for path in docs_dir.rglob("*"):
                    doc = path.relative_to(docs_dir).as_posix()
                    if path.is_file() and doc not in documents:
                        path.unlink()
                        changed.append(doc)
            self._swept = True
        for doc in [doc for doc in self._written if doc not in documents]:
            (docs_dir / doc).unlink(missing_ok=True)
            del self._written[doc]
            changed.append(doc)
        config_file = self.options.tree / CONFIG_FILE
        if not _same(config_file, self._config_text):
            write_atomic(config_file, self._config_text)
        return changed

    def _run_engine(self, report: BuildReport, in_place: bool) -> None:
        """Run the engine. A full build goes into a sibling folder that replaces the site only when the
        engine succeeded, so a killed, failed or disk-full build leaves the last good site whole."""
        started = time.perf_counter()
        config_file = self.options.tree / CONFIG_FILE
        out = self.options.out.resolve()  # a site/ that links to a web root: the swap happens there
        store = Store(self.options.root) if self.options.use_cache else None
        mkdocs = partial(mkdocs_build, config_file, strict=self.options.strict, store=store, jobs=self._jobs(),
                         progress=self._stage("Writing pages"), session=self.engine_session)
        try:
            if self.options.engine == "zensical":
                report.warnings = zensical_build(config_file, strict=self.options.strict)
                with staging_folder(out) as staged:  # beside site/, so the swap is a rename
                    staged.rmdir()
                    shutil.move(self.options.tree / ZENSICAL_SITE, staged)
                    publish_folder(out, staged)
            elif not in_place:
                try:
                    with staging_folder(out) as staged:
                        engine = mkdocs(site_dir=staged)
                        publish_folder(out, staged)
                except BaseException:
                    self.engine_session.written = {}  # what the session noted as written was not published
                    raise
            else:  # `dsatlas serve` only (its draft site): changed pages are replaced in place, each file whole
                engine = mkdocs(in_place=True)
        except EngineError as err:
            raise BuildFailed(str(err), lines=err.problems) from None
        finally:
            if store is not None:
                store.close()
        if self.options.engine != "zensical":
            report.warnings, report.engine_pages = engine.warnings, engine.pages
        report.full = not in_place
        self._built_once = True
        report.timings["engine"] = time.perf_counter() - started

    def _jobs(self) -> int:
        return self.options.jobs or len(os.sched_getaffinity(0))

    def _stage(self, name: str) -> Callable[[int, int], None] | None:
        progress = self.options.progress
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)


# ---- helpers --------------------------------------------------------------------------------------


STAGING_MARK = ".dsatlas-build-"  # .site.dsatlas-build-<pid>-<random>: a build in progress (or killed)


@contextmanager
def staging_folder(target: Path):
    """A fresh folder on the same file system as `target`, so the swap is a rename; removed unless published.

    Beside `target`, or inside it when `target` is a mount point (a Docker volume, say): a mount point
    cannot be renamed, so its entries are swapped instead (see publish_folder). Folders left by builds
    that were killed (their process is gone) are removed first.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    home = target if os.path.ismount(target) else target.parent
    prefix = f".{target.name}{STAGING_MARK}"
    for stale in home.glob(f"{prefix}*"):
        pid = stale.name[len(prefix):].split("-", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            if target.is_dir():
                _keep_hidden(stale, target)  # killed just after its swap: the old site's .git is still here
            shutil.rmtree(stale, ignore_errors=True)
    staged = home / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    staged.mkdir(0o777)  # the umask applies, as to any folder (mkdtemp would make the site 0700)
    try:
        yield staged
    except OSError as err:  # name the file as it would be in the site, not in the staging folder
        if isinstance(err.filename, str) and err.filename.startswith(str(staged)):
            err.filename = str(target) + err.filename[len(str(staged)):]
        raise
    finally:
        if staged.exists():
            shutil.rmtree(staged, ignore_errors=True)


def publish_folder(target: Path, built: Path) -> None:
    """Put `built` in place of `target` with renames: readers see the old site or the new one, never half.

    On Linux the two folders are exchanged in one atomic step (renameat2 RENAME_EXCHANGE); elsewhere the
    old site is renamed aside first, so a crash between the two renames leaves it beside `target`. A
    mount point holds its staging folder inside and has each top-level entry swapped the same way: each
    entry is whole, old or new, though not all of them change at the same instant.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(built, target)
        return
    if not target.is_dir():
        raise BuildFailed(f"{target} is not a folder: remove it or pass another --out")
    if built.parent == target:
        _publish_entries(target, built)
        return
    _swap(built, target)
    _keep_hidden(built, target)
    shutil.rmtree(built, ignore_errors=True)  # the previous site


def _publish_entries(target: Path, built: Path) -> None:
    """Swap each entry of `built` (inside `target`) into `target`; move what the new site lacks out."""
    names = {entry.name for entry in built.iterdir()}
    for name in sorted(names):
        _swap(built / name, target / name)
    for entry in target.iterdir():
        if entry.name not in names and not entry.name.startswith("."):  # hidden ones stay (see _keep_hidden)
            os.rename(entry, built / entry.name)
    shutil.rmtree(built, ignore_errors=True)  # the previous entries


def _keep_hidden(old_site: Path, target: Path) -> None:
    """Move the old site's hidden entries (`.git` of a gh-pages checkout, `.nojekyll`) into the new one:
    MkDocs never copies or deletes hidden files, so publishing must not either."""
    for entry in old_site.iterdir():
        if entry.name.startswith(".") and STAGING_MARK not in entry.name and not (target / entry.name).exists():
            os.rename(entry, target / entry.name)


def _swap(new: Path, old: Path) -> None:
    """`new` takes `old`'s place and `old` (if any) ends up at `new`'s path."""
    if not (old.exists() or old.is_symlink()):
        os.rename(new, old)
    elif not _exchange(new, old):
        aside = new.with_name(f"{new.name}.old-{secrets.token_hex(4)}")
        os.rename(old, aside)
        os.rename(new, old)
        os.rename(aside, new)


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the call does not exist or is refused."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _same(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _reserved_ids(pages: list[SitePage]) -> list[Finding]:
    """Index pages, tags, the symptom index and assets are generated: content must not take their paths."""
    found = []
    for page in pages:
        parts = page.id.split("/")
        if parts[-1] == "index" or (len(parts) == 1 and parts[0] in RESERVED) or parts[0] in GENERATED_FOLDERS:
            found.append(Finding(page.path, 1, 1, "ATL981", f"content/{page.id}.md takes a path the site generates "
                                 "(index pages, tags, symptoms, signals, progress, assets): rename the file"))
    return found


def _illegible(pages: list[SitePage], sizes: dict[str, float]) -> list[Finding]:
    """ATL983 for each diagram whose labels render below MIN_LABEL_PX at the site's diagram width."""
    found = []
    for page in pages:
        size = sizes.get(page.id)
        if size is None or size >= MIN_LABEL_PX or page.diagram is None:
            continue
        shown = int(size * 10) / 10  # rounded down: 10.99 px must not read as 11.0
        found.append(Finding(page.path, page.diagram.start_line, 1, "ATL983",
                             f"labels render at {shown:.1f} px at the site's {DIAGRAM_WIDTH_PX} px diagram width "
                             f"(at least {MIN_LABEL_PX:g} px): draw top-to-bottom, shorten labels, or split the view"))
    return found


def _verify_navigation(nav: list, documents: dict[str, str]) -> None:
    """Strict by construction: every generated page is in the navigation, and the navigation has no dead entry."""
    listed = site_config.nav_docs(nav)
    missing = sorted(set(documents) - set(listed))
    dead = sorted(set(listed) - set(documents))
    if missing or dead:
        lines = [f"{doc}: not in the navigation" for doc in missing] + [f"{doc}: listed but not generated"
                                                                       for doc in dead]
        raise BuildFailed("the generated navigation does not match the pages (a dsatlas bug: please report it)",
                          lines=lines)


def _index_documents(tree, data, tags: dict[str, list[str]], by_id: dict[str, SitePage], dashboard: str | None,
                     note: str) -> dict[str, str]:
    """The generated pages: an index per folder, the symptom and signal pages, the tags, the dashboard."""
    extras = [("Symptom index", "symptoms/index.md"), ("Signals", "signals/index.md"), ("Tags", "tags.md")]
    if dashboard is not None:
        extras.append(("Progress", PROGRESS_DOC))
    documents = {folder_doc(folder.path): folder_markdown(folder, tree, data, extras) for folder in tree.walk()}
    documents["index.md"] += note
    documents.update(symptom_documents(tree, data))
    documents.update(signal_documents(tree, data))
    documents["tags.md"] = tags_markdown(tags, by_id)
    if dashboard is not None:
        documents[PROGRESS_DOC] = dashboard
    return documents


def _assets() -> dict[str, str]:
    folder = resources.files("dsatlas") / "site_assets"
    return {f"{site_config.ASSETS}/{item.name}": item.read_text(encoding="utf-8")
            for item in folder.iterdir() if item.name.endswith((".css", ".js"))}


def _dashboard(root: Path, checked: CheckResult) -> tuple[str | None, list[Finding]]:
    """The progress dashboard, when the authoring tools provide one and the atlas has a plan.

    Imported guardedly: the site builds without `dsatlas.authoring.progress`. No plan file means no
    dashboard page; a plan that is wrong is a problem like any other (findings with file:line).
    """
    try:
        from ..authoring.plan import PLAN_FILE, PlanError
        from ..authoring.progress import dashboard_markdown
    except ImportError as err:
        if isinstance(err, ModuleNotFoundError) and not (err.name or "").startswith("dsatlas.authoring"):
            raise
        return None, []
    if not (root / PLAN_FILE).is_file():
        return None, []
    try:
        return dashboard_markdown(root, checked), []
    except PlanError as err:
        return None, list(err.findings)
    except Exception as err:  # noqa: BLE001 - another module's bug must not look like a content error
        raise BuildFailed(f"the progress dashboard failed ({type(err).__name__}: {err}); "
                          "see dsatlas.authoring.progress") from None


def _unloadable_note(unloadable: list[Unloadable], problems: list[Finding]) -> str:
    lines = ["", '!!! failure "Draft: pages left out because their front matter is invalid"', ""]
    for item in unloadable:
        reasons = [safe.text(finding.human()) for finding in problems if finding.path == item.path][:3]
        lines.append(f"    - {safe.text(item.path)}" + (f": {'; '.join(reasons)}" if reasons else ""))
    return "\n".join(lines) + "\n"


def default_options(root: Path, **overrides) -> BuildOptions:
    """Where things go: the site in site/, the generated tree in build/site-src/ (both git-ignored)."""
    values = {"root": root, "out": root / "site", "tree": root / "build" / "site-src"}
    values.update(overrides)
    return BuildOptions(**values)

