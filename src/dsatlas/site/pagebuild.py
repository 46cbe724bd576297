"""MkDocs' own build, with unchanged pages kept and the rest rendered on every core.

A plain `mkdocs build` turns each of the atlas's ~1000 documents into HTML twice over on one core,
every time: Markdown to an HTML body (MkDocs' "populate" step), then the body into the theme's
template with the navigation (the "build" step). This runs MkDocs' own functions, in MkDocs' order,
from the same loaded config, files and navigation, and skips what cannot have changed:

- **populate**, cached in the store's `engine_pages` table by (the document's text, its path, the
  engine): the HTML body, table of contents, title, anchors and the warnings it logged. The entry
  also records every other file its links looked up and what each lookup found; it is used only while
  every lookup still finds the same, so a link to a page that appeared or went away renders again.
- **build**, cached in `engine_html` by (the populated page, its navigation context, the engine): the
  finished HTML file and its search entries. The navigation context is what the theme shows of the
  navigation on that page (`navigation_context`: with `navigation.prune`, the top level, the open
  sections and the first page of each closed one; the previous and next pages), so adding a page
  re-renders the pages of its own section and its neighbours, not all 900.
- what misses either cache is rendered by forked workers, one per core, each taking its share of the
  pages from the state the parent already loaded; the parent writes the files, replays each page's
  warnings in MkDocs' order, merges the search entries in page order and checks anchors over all pages.

The output is byte for byte a plain `mkdocs build` of the same tree, apart from the build date in the
sitemap (tests/site/test_site_engine_cache.py compares them). A config this module does not know
(another plugin, `draft_docs`) gets the plain build.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import tempfile
import traceback
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..store import Store, cache_key

ENGINE_FORMAT = "1"  # bump when what is cached, or how a key is made, changes
POPULATE_TABLE = "engine_pages"
BUILD_TABLE = "engine_html"
# What the pages' HTML can depend on besides the tree: a new release of any of these misses every entry.
ENGINE_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "jinja2", "pymdown-extensions", "pygments")
SEARCH_PLUGIN = "material.plugins.search.plugin"

Progress = Callable[[int, int], None]


@dataclass
class EngineSession:
    """What `dsatlas serve` keeps between two builds: the loaded config while mkdocs.yml is unchanged, the
    theme's compiled templates while the engine is, and the decoded cache entries the last build used."""

    config: object = None
    config_identity: tuple | None = None
    env: object = None
    env_engine: str | None = None
    engine: tuple | None = None  # (the loaded config, its engine_digest)
    sources: dict[str, tuple] = field(default_factory=dict)  # file → (mtime, size, url, key, markdown, meta)
    populated: dict[str, dict] = field(default_factory=dict)
    rendered: dict[str, dict] = field(default_factory=dict)
    files: str | None = None  # the digest of the last build's file list
    written: dict[str, str] = field(default_factory=dict)  # page file (its path in the site) → the key of its HTML
    theme_files: tuple | None = None  # (what the listing was made from, the theme's static files)


class WorkerFailed(Exception):
    """A forked worker died or raised; its share is rendered again in this process."""


def build(config, *, store: Store | None, jobs: int, in_place: bool, progress: Progress | None = None,
          session: EngineSession | None = None) -> dict[str, int]:
    """`mkdocs.commands.build.build(config)`, reusing cached pages and rendering the rest in `jobs` processes.

    `in_place`: keep `site_dir`, rewrite (atomically) only the pages whose bytes changed and delete what
    the build no longer makes; otherwise the folder is emptied first, as MkDocs does. Returns counts:
    pages populated, pages rendered, pages reused.
    """
    from mkdocs import utils
    from mkdocs.commands.build import _build_theme_template
    from mkdocs.exceptions import Abort, BuildError
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    logger = logging.getLogger("mkdocs")
    warning_counter = utils.CountHandler()
    warning_counter.setLevel(logging.WARNING)
    if config.strict:
        logger.addHandler(warning_counter)
    counts = {"populated": 0, "rendered": 0, "reused": 0}
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        if not in_place:
            utils.clean_directory(config.site_dir)
        session = session or EngineSession()
        if session.engine is None or session.engine[0] is not config:  # the same loaded config: the same digest
            session.engine = (config, engine_digest(config))
        engine = session.engine[1]
        if session.env is None or session.env_engine != engine:
            session.env, session.env_engine = config.theme.get_env(), engine
        env = session.env
        files = get_files(config)
        _add_theme_files(files, env, config, session, engine)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        for file in doc_files:
            if file.page is None and file.inclusion.is_not_in_nav():
                Page(None, file, config)
        pages = [file.page for file in doc_files]
        files_digest = cache_key(*(f"{file.src_uri}\0{file.url}\0{file.inclusion.name}" for file in files))
        if session.files != files_digest or not in_place:
            session.written = {}

        populated = _populate(pages, config, files, store, engine, jobs, counts, session, files_digest)
        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files(dirty=in_place, inclusion=InclusionLevel.is_included)
        for template in config.theme.static_templates:
            _build_theme_template(template, env, files, config, nav)
        outputs = _render(pages, populated, config, doc_files, nav, env, store, engine, jobs, counts, progress,
                          session)
        _write_pages(pages, outputs, session.written, in_place)
        for page in pages:
            page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        config.plugins.on_post_build(config=config)
        if in_place and session.files != files_digest:  # the same files as last time: nothing went away
            _remove_stale(Path(config.site_dir), files, config)
        session.files = files_digest
        if found := warning_counter.get_counts():
            message = ", ".join(f"{value} {key.lower()}s" for key, value in found)
            raise Abort(f"Aborted with {message} in strict mode!")
    except Exception as err:
        config.plugins.on_build_error(error=err)
        if isinstance(err, BuildError):
            logging.getLogger("mkdocs.commands.build").error(str(err))
            raise Abort("Aborted with a BuildError!") from None
        raise
    finally:
        logger.removeHandler(warning_counter)
    return counts


def _add_theme_files(files, env, config, session: EngineSession, engine: str) -> None:
    """`files.add_files_from_theme(env, config)`, listing the installed theme's files once per session (a
    walk and filter of every file of Material's package: a fifth of an edit's rebuild in a 900-page atlas).
    As there, a document of the same path hides a theme file. A theme folder of the site's own
    (`custom_dir`) may change while serving: it is listed every time."""
    from mkdocs.structure.files import File, Files

    if config.theme.custom_dir is not None:
        files.add_files_from_theme(env, config)
        return
    made_from = (engine, tuple(config.theme.dirs), tuple(config.theme.static_templates))
    if session.theme_files is None or session.theme_files[0] != made_from:
        listed = Files([])
        listed.add_files_from_theme(env, config)
        session.theme_files = (made_from, [(file.src_path, file.src_dir) for file in listed])
    for path, folder in session.theme_files[1]:
        if files.get_file_from_path(path) is None:
            files.append(File(path, folder, config.site_dir, config.use_directory_urls))


def supported(config) -> bool:
    """Only the theme's own search plugin and no drafts: what this module knows reproduces a plain build."""
    plugins = list(config.plugins.values())
    return (config.theme.name == "material" and not config.get("draft_docs") and not config.get("not_in_nav")
            and all(type(plugin).__module__ == SEARCH_PLUGIN for plugin in plugins))


def engine_digest(config) -> str:
    """Everything besides the documents that a page's HTML is made from: the config (less where the site
    goes and the navigation, which each page's key carries as much of as it shows) and the engine's releases."""
    import yaml

    text = Path(config.config_file_path).read_text(encoding="utf-8")
    settings = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # 5x faster in C
    settings.pop("site_dir", None)
    settings.pop("nav", None)
    versions = []
    for package in ENGINE_PACKAGES:
        try:
            versions.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} absent")
    return cache_key("engine", ENGINE_FORMAT, json.dumps(settings, sort_keys=True, default=str), *versions)


# ---- populate: Markdown to an HTML body ------------------------------------------------------------


def _populate(pages, config, files, store, engine, jobs, counts, session, files_digest) -> dict[int, str]:
    """Read every page and give it its body; return each page's state digest (by position)."""
    keys = []
    sources = {}
    for page in pages:
        path = page.file.abs_src_path
        stat = os.stat(path)
        seen = session.sources.get(path)
        if seen is not None and seen[:3] == (stat.st_mtime_ns, stat.st_size, page.file.url):
            key, page.markdown, page.meta = seen[3], seen[4], dict(seen[5])  # read_source's result, kept
        else:
            page.read_source(config)
            key = cache_key("populate", engine, page.file.src_uri, page.file.url, page.file.content_string)
        sources[path] = (stat.st_mtime_ns, stat.st_size, page.file.url, key, page.markdown, dict(page.meta))
        keys.append(key)
    session.sources = sources
    cached = _cached(POPULATE_TABLE, keys, store, session.populated)
    missing = []
    states: dict[int, dict] = {}
    for index, key in enumerate(keys):
        state = cached.get(key)
        if state is not None and ((key in session.populated and session.files == files_digest)
                                  or _lookups_hold(state["lookups"], files)):
            states[index] = state
        else:
            missing.append(index)
    fresh = _in_workers(lambda index: _populate_one(pages[index], config, files), missing, jobs)
    states.update(fresh)
    if store and fresh:
        store.put(POPULATE_TABLE, {keys[index]: _encode(state) for index, state in fresh.items()})
    counts["populated"] = len(missing)
    session.populated = {keys[index]: state for index, state in states.items()}
    digests = {}
    for index, page in enumerate(pages):
        state = states[index]
        _restore_populated(page, state, files)
        _replay(state["logs"])
        if "digest" not in state:  # kept in the session's copy (never stored): hashing 900 bodies takes time
            state["digest"] = cache_key("page", state["content"], json.dumps(state["toc"]), state["title"] or "",
                                        json.dumps(page.meta, sort_keys=True, default=str))
        digests[index] = state["digest"]
    return digests


def _populate_one(page, config, files) -> dict:
    from mkdocs.commands.build import _populate_page

    lookups: dict[str, list | None] = {}
    find = files.get_file_from_path

    def recorded(path: str):
        found = find(path)
        lookups[path] = _file_identity(found)
        return found

    files.get_file_from_path = recorded  # the only way a page's render looks at other files
    try:
        with _captured_logs() as logs:
            _populate_page(page, config, files)
    finally:
        del files.get_file_from_path
    links = None
    if page.links_to_anchors is not None:
        links = [[target.src_uri, anchors] for target, anchors in page.links_to_anchors.items()]
    anchors = sorted(page.present_anchor_ids) if page.present_anchor_ids is not None else None
    return {"content": page.content, "toc": [_toc_item(item) for item in page.toc],
            "title": page._title_from_render, "anchors": anchors, "links": links, "lookups": lookups,
            "logs": logs}


def _restore_populated(page, state: dict, files) -> None:
    from mkdocs.structure.toc import TableOfContents

    page.content = state["content"]
    page.toc = TableOfContents([_anchor_link(item) for item in state["toc"]])
    page._title_from_render = state["title"]
    page.present_anchor_ids = set(state["anchors"]) if state["anchors"] is not None else None
    if state["links"] is not None:
        page.links_to_anchors = {files.get_file_from_path(src_uri): anchors for src_uri, anchors in state["links"]}


def _lookups_hold(lookups: dict, files) -> bool:
    return all(_file_identity(files.get_file_from_path(path)) == found for path, found in lookups.items())


def _file_identity(file) -> list | None:
    return None if file is None else [file.src_uri, file.url, file.inclusion.name]


def _toc_item(item) -> list:
    return [item.title, item.id, item.level, [_toc_item(child) for child in item.children]]


def _anchor_link(data: list):
    from mkdocs.structure.toc import AnchorLink

    link = AnchorLink(data[0], data[1], data[2])
    link.children = [_anchor_link(child) for child in data[3]]
    return link


# ---- build: the body in the theme's template --------------------------------------------------------


def navigation_context(page, nav, memo: dict | None = None) -> list:
    """What the theme shows of the navigation on `page`, as plain data: two pages with the same context
    and the same populated state get the same HTML.

    With `navigation.prune` (Material's partials/nav-item.html), the navigation on a page holds the top
    level, every item of each section that contains the page, and for each closed section only its
    title, its number of children and the URL of its first page (the link it renders); each page item
    shows its title, URL and front matter (icon, subtitle, status). The footer shows the previous and
    next pages. Being generous here costs re-renders; leaving something out would keep a stale page.
    `memo` (one per build) keeps what is the same on every page.
    """
    memo = {} if memo is None else memo
    open_sections = set()
    parent = page.parent
    while parent is not None:
        open_sections.add(id(parent))
        parent = parent.parent

    def item_data(item) -> list:
        if id(item) not in open_sections and item is not page and id(item) in memo:
            return memo[id(item)]
        data = [type(item).__name__, item.title, getattr(item, "url", None), bool(getattr(item, "is_index", False)),
                meta(item), item is page]
        if item.children is not None:
            if id(item) in open_sections:
                data.append([item_data(child) for child in item.children])
            else:  # closed: a link to its first page; the theme's loop looking for its index page leaves
                # whitespace per child, so the number of children shows in the bytes too
                first = item.children[0] if item.children else None
                while first is not None and first.children:
                    first = first.children[0]
                data += [len(item.children), getattr(first, "url", None)]
        if id(item) not in open_sections and item is not page:
            memo[id(item)] = data
        return data

    def meta(item) -> str:
        key = ("meta", id(item))
        if key not in memo:
            memo[key] = _meta(item)
        return memo[key]

    def neighbour(other) -> list | None:
        return None if other is None else [other.title, other.url, meta(other)]

    return [nav.homepage.url if nav.homepage else None, [item_data(item) for item in nav.items],
            neighbour(page.previous_page), neighbour(page.next_page)]


def _meta(item) -> str:
    return json.dumps(getattr(item, "meta", None) or {}, sort_keys=True, default=str)


def _render(pages, digests, config, doc_files, nav, env, store, engine, jobs, counts, progress,
            session) -> list[tuple[str, str]]:
    memo: dict = {}
    keys = [cache_key("build", engine, digests[index], json.dumps(navigation_context(page, nav, memo), default=str))
            for index, page in enumerate(pages)]
    cached = _cached(BUILD_TABLE, keys, store, session.rendered)
    missing = [index for index, key in enumerate(keys) if key not in cached]
    done = [len(pages) - len(missing)]

    def render_one(index: int) -> dict:
        return _render_one(pages[index], config, doc_files, nav, env)

    def advanced(count: int) -> None:
        done[0] += count
        if progress:
            progress(done[0], len(pages))

    fresh = _in_workers(render_one, missing, jobs, advanced)
    if store and fresh:
        store.put(BUILD_TABLE, {keys[index]: _encode(result) for index, result in fresh.items()})
    counts["rendered"], counts["reused"] = len(missing), len(pages) - len(missing)
    search = _search_index(config)
    outputs = []
    session.rendered = {}
    for index, key in enumerate(keys):
        result = session.rendered[key] = fresh.get(index) or cached[key]
        _replay(result["logs"])
        if search is not None:
            search.entries.extend(result["search"])
        outputs.append((key, result["html"]))
    return outputs


def _render_one(page, config, doc_files, nav, env) -> dict:
    """MkDocs' `_build_page` up to the file write: the HTML and the search entries this page added."""
    from mkdocs.commands.build import get_context

    search = _search_index(config)
    before = len(search.entries) if search is not None else 0
    with _captured_logs() as logs:
        config._current_page = page
        try:
            page.active = True
            context = get_context(nav, doc_files, config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            output = template.render(context)
            output = config.plugins.on_post_page(output, page=page, config=config)
        except Exception as err:
            logging.getLogger("mkdocs.commands.build").error(f"Error building page '{page.file.src_uri}': {err}")
            raise
        finally:
            page.active = False
            config._current_page = None
    entries = search.entries[before:] if search is not None else []
    if search is not None:
        del search.entries[before:]  # the parent adds every page's entries, in page order
    return {"html": output, "search": entries, "logs": logs}


def _search_index(config):
    for plugin in config.plugins.values():
        if type(plugin).__module__ == SEARCH_PLUGIN and plugin.config.enabled:
            return plugin.search_index
    return None


def _write_pages(pages, outputs: list[tuple[str, str]], written: dict[str, str], in_place: bool) -> None:
    """Write each page's HTML and note in `written` which HTML each file holds; in place, only what changed.

    `written` is by the file's path inside the site, so what a build into a fresh folder wrote still
    counts once that folder is published as the site: the first in-place rebuild after it reads no page.
    """
    from mkdocs import utils

    from ..util import write_atomic

    for page, (key, output) in zip(pages, outputs, strict=True):
        if not output.strip():
            logging.getLogger("mkdocs.commands.build").info(
                f"Page skipped: '{page.file.src_uri}'. Generated empty output.")
            continue
        target = Path(page.file.abs_dest_path)
        if not in_place:
            utils.write_file(output.encode("utf-8", errors="xmlcharrefreplace"), str(target))
        elif written.get(page.file.dest_uri) != key or not target.is_file():
            raw = output.encode("utf-8", errors="xmlcharrefreplace")
            if not _holds(target, raw):  # a reader of the served site sees the old page or the new one; the
                write_atomic(target, raw, durable=False)  # draft site is built whole again when serve starts
        written[page.file.dest_uri] = key


def _holds(path: Path, raw: bytes) -> bool:
    try:
        return path.stat().st_size == len(raw) and path.read_bytes() == raw
    except OSError:
        return False


def _remove_stale(site_dir: Path, files, config) -> None:
    """An in-place build deletes what a clean build would not have made (a removed page's HTML)."""
    made = {Path(file.abs_dest_path) for file in files}
    made |= {site_dir / name for name in config.theme.static_templates}
    made |= {site_dir / "sitemap.xml.gz", site_dir / "search" / "search_index.json"}
    for path in sorted(site_dir.rglob("*"), reverse=True):
        relative = path.relative_to(site_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue  # MkDocs never touches hidden entries
        if path.is_file() and path not in made:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


# ---- logs, workers, encoding ------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[list] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append([record.name, record.levelno, record.getMessage()])


class _captured_logs:  # noqa: N801 - used as a context manager, like contextlib's
    """MkDocs' messages during one page go to a list (replayed later in MkDocs' order), not to its handlers."""

    def __enter__(self) -> list[list]:
        self.logger = logging.getLogger("mkdocs")
        self.handlers = self.logger.handlers[:]
        self.propagate = self.logger.propagate
        self.capture = _Capture()
        self.logger.handlers = [self.capture]
        self.logger.propagate = False
        return self.capture.records

    def __exit__(self, *exc) -> None:
        self.logger.handlers = self.handlers
        self.logger.propagate = self.propagate


def _replay(logs: list[list]) -> None:
    for name, level, message in logs:
        logging.getLogger(name).log(level, message)


def _in_workers(work: Callable[[int], dict], items: Sequence[int], jobs: int,
                advanced: Callable[[int], None] | None = None) -> dict[int, dict]:
    """`{item: work(item)}`, in `jobs` forked processes sharing this one's loaded state (this process takes
    a share too). A worker that fails has its share done again here, so a crash costs time, never output."""
    items = list(items)
    jobs = max(1, min(jobs, len(items) // 8 or 1))  # a handful of pages is faster than a fork
    shares = [items[start::jobs] for start in range(jobs)]
    children = []
    if jobs > 1:
        gc.collect()
        gc.freeze()  # the forked copies share these pages instead of copying them when the collector runs
    try:
        for share in shares[1:]:
            handle, path = tempfile.mkstemp(prefix="dsatlas-engine-")
            os.close(handle)
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                _worker(work, share, path)
            children.append((pid, path, share))
    finally:
        gc.unfreeze()
    results = {item: work(item) for item in shares[0]}
    if advanced:
        advanced(len(shares[0]))
    for pid, path, share in children:
        _, status = os.waitpid(pid, 0)
        try:
            if status != 0:
                raise WorkerFailed(f"exit status {status}")
            with open(path, "rb") as handle:
                answer = pickle.load(handle)
            if isinstance(answer, str):
                raise WorkerFailed(answer)
            results.update(answer)
        except (OSError, EOFError, pickle.UnpicklingError, WorkerFailed) as err:
            logging.getLogger("dsatlas.engine").debug(f"a page worker failed ({err}); its pages render here")
            results.update({item: work(item) for item in share})
        finally:
            os.unlink(path)
        if advanced:
            advanced(len(share))
    return results


def _worker(work: Callable[[int], dict], share: list[int], path: str) -> None:
    code = 0
    try:
        gc.disable()
        answer: dict | str = {item: work(item) for item in share}
    except BaseException:  # noqa: BLE001 - told to the parent, which renders this share itself
        answer, code = traceback.format_exc(), 0
    try:
        with open(path, "wb") as handle:
            pickle.dump(answer, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # noqa: BLE001
        code = 1
    os._exit(code)  # no atexit handlers, no finalizers: they belong to the parent (V8, Chromium, SQLite)


def _cached(table: str, keys: list[str], store: Store | None, kept: dict[str, dict]) -> dict[str, dict]:
    """The entries for `keys`: those the session kept, then the store's."""
    found = {key: kept[key] for key in keys if key in kept}
    wanted = [key for key in keys if key not in found]
    if store and wanted:
        found.update(store.get(table, wanted, _decode))
    return found


def _encode(value: dict) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 1)


def _decode(raw: bytes) -> dict:
    return json.loads(zlib.decompress(raw))
