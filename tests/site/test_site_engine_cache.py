# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""The fast engine (site/pagebuild.py: cached pages, forked workers, in-place rebuilds) writes byte for
byte what a plain `mkdocs build` of the same tree writes, apart from the sitemap's build date, through
edits that change a page, its links and the navigation around it."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import pytest
from sitekit import STORAGE, built, copy_atlas, edit, replaced  # noqa: F401

from dsatlas.site import pagebuild
from dsatlas.site.build import CONFIG_FILE, SiteBuilder, default_options
from dsatlas.site.engines import mkdocs_build
from dsatlas.store import Store

BUILD_DATE = re.compile(rb"<lastmod>[^<]*</lastmod>")


def plain_build(config_file: Path, site_dir: Path) -> None:
    """MkDocs' own `mkdocs build` of the tree, as a user would run it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    build(load_config(config_file=str(config_file), site_dir=str(site_dir)))


def site_bytes(site: Path) -> dict[str, bytes]:
    """Every file of a built site; the sitemap without its build dates (the one thing that may differ)."""
    found = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            raw = path.read_bytes()
            if path.name == "sitemap.xml.gz":  # its gzip header holds the build time too
                raw = gzip.decompress(raw)
            if path.name.startswith("sitemap.xml"):
                raw = BUILD_DATE.sub(b"", raw)
            found[path.relative_to(site).as_posix()] = raw
    return found


def assert_same_site(ours: Path, config_file: Path, reference: Path) -> None:
    plain_build(config_file, reference)
    expected, actual = site_bytes(reference), site_bytes(ours)
    assert sorted(actual) == sorted(expected), "the fast build wrote other files than a plain build"
    differing = [name for name in expected if actual[name] != expected[name]]
    assert not differing, f"differs from a plain build: {differing[:10]}"


# ---- the engine alone, on a small MkDocs tree -----------------------------------------------------


NAV_YML = """site_name: Tree
docs_dir: docs
use_directory_urls: false
theme:
  name: material
  features: [navigation.prune, navigation.indexes]
plugins: [search]
markdown_extensions: [attr_list, toc]
validation:
  links: {{not_found: warn, anchors: warn}}
nav:
{nav}
"""


def _tree(root: Path, sections: dict[str, list]) -> Path:
    """mkdocs.yml with a section per key (its index page first); a dict among a section's pages nests."""

    def section_lines(folder: str, pages: list, indent: str) -> list[str]:
        lines = [f"{indent}- {folder}/index.md"]
        for page in pages:
            if isinstance(page, dict):
                for name, inner in page.items():
                    lines.append(f"{indent}- {name.title()}:")
                    lines += section_lines(f"{folder}/{name}", inner, indent + "  ")
            else:
                lines.append(f"{indent}- {page.title()}: {folder}/{page}.md")
        return lines

    lines = ["- index.md"]
    for section, pages in sections.items():
        lines.append(f"- {section.title()}:")
        lines += section_lines(section, pages, "  ")
    config = root / "mkdocs.yml"
    root.mkdir(parents=True, exist_ok=True)
    config.write_text(NAV_YML.format(nav="\n".join(lines)))
    return config


def _page(root: Path, doc: str, text: str) -> None:
    path = root / "docs" / doc
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _engine(config_file: Path, root: Path, site: Path, *, in_place: bool, session=None, jobs: int = 2) -> dict:
    with Store(root) as store:
        report = mkdocs_build(config_file, strict=False, site_dir=site, in_place=in_place, store=store, jobs=jobs,
                              session=session)
    return report.pages


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "fresh-folder"])
def test_cached_and_forked_engine_matches_a_plain_build_through_navigation_and_link_changes(tmp_path, in_place):
    root = tmp_path / "tree"
    deep = [f"d{n}" for n in range(6)]
    sections = {"alpha": [*(f"a{n}" for n in range(8)), {"deep": deep}], "beta": [f"b{n}" for n in range(12)]}
    config = _tree(root, sections)
    _page(root, "index.md", "# Home\n\nSee [alpha](alpha/index.md).\n")
    for folder, pages in (("alpha", sections["alpha"][:-1]), ("alpha/deep", deep), ("beta", sections["beta"])):
        _page(root, f"{folder}/index.md", f"# {folder.title()} section\n\nThe {folder} pages.\n")
        for page in pages:
            _page(root, f"{folder}/{page}.md", f"# {page}\n\n## Details {{#details}}\n\nText of {page}.\n")
    # a link to a page that is not there yet, and one to an anchor of another page
    _page(root, "alpha/a0.md", "# a0\n\nSee [later](deep/later.md) and [b1](../beta/b1.md#details).\n")
    site = tmp_path / "site"
    session = pagebuild.EngineSession()  # what `dsatlas serve` keeps between builds

    first = _engine(config, root, site, in_place=in_place)
    assert first["rendered"] == 30 and first["reused"] == 0
    assert_same_site(site, config, tmp_path / "plain-0")

    again = _engine(config, root, site if in_place else tmp_path / "site-again", in_place=in_place)
    assert again == {"populated": 0, "rendered": 0, "reused": 30}
    assert_same_site(site if in_place else tmp_path / "site-again", config, tmp_path / "plain-1")

    steps = [
        ("one page's text", lambda: _page(root, "beta/b5.md", "# b5\n\n## Details {#details}\n\nNew text.\n")),
        ("a page added to a nested section: its own and its parent section's navigation changes, and a0's "
         "link now resolves",
         lambda: (_page(root, "alpha/deep/later.md", "# Later\n\nArrived late.\n"),
                  _tree(root, {**sections, "alpha": [*sections["alpha"][:-1], {"deep": [*deep, "later"]}]}))),
        ("a section's index retitled (its title comes from its heading)",
         lambda: _page(root, "beta/index.md", "# Beta, renamed\n\nThe beta pages.\n")),
        ("an anchor removed that another page links to",
         lambda: _page(root, "beta/b1.md", "# b1\n\nNo details any more.\n")),
        ("a page removed", lambda: ((root / "docs" / "alpha" / "deep" / "later.md").unlink(), _tree(root, sections))),
        ("a document at the path of one of the theme's files (it hides the theme's)",
         lambda: _page(root, "assets/images/favicon.png", "not the theme's icon")),
    ]
    for number, (what, change) in enumerate(steps, start=2):
        change()
        target = site if in_place else tmp_path / f"site-{number}"
        counts = _engine(config, root, target, in_place=in_place, session=session)
        assert counts["reused"] > 0, f"after {what}: nothing was reused"
        try:
            assert_same_site(target, config, tmp_path / f"plain-{number}")
        except AssertionError as err:
            raise AssertionError(f"after {what}: {err}") from None


def test_a_cached_page_still_reports_its_warnings(tmp_path, caplog):
    """Strict builds fail on warnings: a page taken from the cache must log what it logged when rendered."""
    root = tmp_path / "tree"
    config = _tree(root, {"alpha": ["a0", "a1"]})
    _page(root, "index.md", "# Home\n")
    _page(root, "alpha/index.md", "# Alpha\n")
    _page(root, "alpha/a0.md", "# a0\n\nA link to [nowhere](missing.md).\n")
    _page(root, "alpha/a1.md", "# a1\n")
    for number in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mkdocs"):
            report = mkdocs_build(config, strict=False, site_dir=tmp_path / f"site-{number}", store=Store(root),
                                  jobs=1)
        assert any("missing.md" in warning for warning in report.warnings), (number, report.warnings)
    assert report.pages["reused"] == 4


def test_navigation_context_is_what_the_pruned_navigation_shows(tmp_path):
    """A page does not see the inside of a closed section (so a page added there keeps its HTML), but it
    sees its own section's pages and the size of each closed section beside it."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.nav import get_navigation

    root = tmp_path / "tree"
    config_file = _tree(root, {"alpha": ["a0", "a1"], "beta": ["b0", {"deep": ["d0", "d1"]}]})
    for doc in ("index.md", "alpha/index.md", "alpha/a0.md", "alpha/a1.md", "beta/index.md", "beta/b0.md",
                "beta/deep/index.md", "beta/deep/d0.md", "beta/deep/d1.md"):
        _page(root, doc, f"# {doc}\n")

    def contexts() -> dict[str, str]:
        config = load_config(config_file=str(config_file))
        nav = get_navigation(get_files(config), config)
        return {page.file.src_uri: repr(pagebuild.navigation_context(page, nav)) for page in nav.pages}

    before = contexts()
    _page(root, "beta/deep/d2.md", "# beta/deep/d2.md\n")
    _tree(root, {"alpha": ["a0", "a1"], "beta": ["b0", {"deep": ["d0", "d1", "d2"]}]})
    after = contexts()
    assert after["alpha/a0.md"] == before["alpha/a0.md"]  # beta is closed on alpha's pages
    assert after["beta/b0.md"] != before["beta/b0.md"]  # deep is closed here, but one child longer
    assert after["beta/deep/d0.md"] != before["beta/deep/d0.md"]  # its own section grew


# ---- the whole site build, as `dsatlas serve` runs it ----------------------------------------------


def test_serve_rebuilds_write_what_a_plain_build_of_the_same_tree_writes(tmp_path, built, monkeypatch):
    root = copy_atlas(tmp_path / "atlas", render_cache_from=built[0])
    options = default_options(root, out=tmp_path / "served", tree=tmp_path / "tree", strict=False, jobs=2)
    builder = SiteBuilder(options)
    compared = []  # pages whose served file was read to see whether it already holds the new HTML
    holds = pagebuild._holds
    monkeypatch.setattr(pagebuild, "_holds", lambda path, raw: compared.append(path) or holds(path, raw))
    try:
        builder.build()
        assert_same_site(options.out, options.tree / CONFIG_FILE, tmp_path / "plain-0")
        edit(root / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders on two disks.")
        report = builder.rebuild()
        assert not report.full and report.engine_pages["reused"] > 0
        # the first build went into a fresh folder, then became the site: its pages are known, not read again
        assert len(compared) == report.engine_pages["rendered"]
        assert_same_site(options.out, options.tree / CONFIG_FILE, tmp_path / "plain-1")
        source = (root / "content" / "systems" / "acme" / "request-flow.md").read_text()
        (root / "content" / "systems" / "acme" / "request-flow-v2.md").write_text(
            replaced(source, "title: Acme fixture — request-flow", "title: Acme fixture — request flow, take two"))
        report = builder.rebuild()
        assert report.navigation and report.engine_pages["reused"] > 0
        assert_same_site(options.out, options.tree / CONFIG_FILE, tmp_path / "plain-2")
        (root / "content" / "systems" / "acme" / "request-flow-v2.md").unlink()
        report = builder.rebuild()
        assert report.navigation and "systems/acme/request-flow-v2.md" in report.changed
        assert not (options.tree / "docs" / "systems" / "acme" / "request-flow-v2.md").exists()
        assert_same_site(options.out, options.tree / CONFIG_FILE, tmp_path / "plain-3")
    finally:
        builder.close()


def test_serve_rebuilds_make_the_tree_and_site_a_fresh_build_makes(tmp_path, built):
    """What the builder keeps between rebuilds (each page's compiled Markdown and its inputs, the related
    pages ranked by shared tags, each page's JSON, the last build's SVGs) never shows a stale page: after
    each change, the tree and the site are what a new builder makes of the same atlas."""
    root = copy_atlas(tmp_path / "atlas", render_cache_from=built[0])

    def options(name: str):
        return default_options(root, out=tmp_path / name / "site", tree=tmp_path / name / "tree", strict=False,
                               jobs=2, live_reload=True, defer_render=True)

    def tree_bytes(name: str) -> dict[str, bytes]:  # mkdocs.yml names its own site folder
        tree = tmp_path / name / "tree"
        return {path.relative_to(tree).as_posix(): path.read_bytes().replace(str(tmp_path / name).encode(), b"")
                for path in sorted(tree.rglob("*")) if path.is_file()}

    storage, architecture = root / STORAGE, root / "content" / "systems" / "acme" / "architecture.md"
    added = root / "content" / "systems" / "acme" / "storage-tiers.md"
    steps = [
        ("a related page retitled (storage lists architecture)",
         lambda: edit(architecture, "title: Acme — Architecture", "title: Acme — Architecture, revised")),
        ("a page's summary changed", lambda: edit(architecture, "\nsummary: ", "\nsummary: Revised. ")),
        ("a page added that shares storage's tags",
         lambda: added.write_text(replaced(storage.read_text(), "title: Acme — Storage",
                                           "title: Acme — Storage tiers"))),
        ("a page's tags changed", lambda: edit(storage, "tags: [fixture, storage]", "tags: [fixture]")),
        ("the added page removed", lambda: added.unlink()),
    ]
    builder = SiteBuilder(options("served"))
    try:
        builder.build()
        for number, (what, change) in enumerate(steps):
            change()
            builder.rebuild()
            fresh = SiteBuilder(options(f"fresh-{number}"))
            try:
                fresh.build()
            finally:
                fresh.close()
            ours, theirs = tree_bytes("served"), tree_bytes(f"fresh-{number}")
            differing = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
            assert not differing, f"after {what}: the tree differs from a fresh build's: {differing[:10]}"
            ours, theirs = site_bytes(tmp_path / "served" / "site"), site_bytes(tmp_path / f"fresh-{number}" / "site")
            differing = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
            assert not differing, f"after {what}: the site differs from a fresh build's: {differing[:10]}"
    finally:
        builder.close()
