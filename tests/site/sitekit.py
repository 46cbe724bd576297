"""Site test kit: the fixture atlas built once with the real `dsatlas build`, and `dsatlas serve`.

Test modules import the fixtures from here. It is not a conftest.py on purpose: a second module named
`conftest` would shadow tests/conftest.py for the modules that import helpers from it.
Builds run as subprocesses, exactly as a user runs them (and so Playwright's sync API in the browser
tests never shares an event loop with the renderer's).
"""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import edit, replaced  # noqa: F401 - the one fixture-edit helper, for the site tests

from dsatlas.store import Store

FIXTURE_ATLAS = Path(__file__).parents[1] / "fixtures" / "atlas"
DSATLAS = str(Path(sys.executable).parent / "dsatlas")
ARCHITECTURE = "content/systems/acme/architecture.md"
STORAGE = "content/systems/acme/storage.md"


def dsatlas(root: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([DSATLAS, *args], cwd=root, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def copy_atlas(target: Path, render_cache_from: Path | None = None) -> Path:
    """A writable copy of the fixture atlas; reuse another copy's diagram cache to skip re-rendering."""
    shutil.copytree(FIXTURE_ATLAS, target, ignore=shutil.ignore_patterns(".dsatlas-cache"))
    if render_cache_from is not None:
        with Store(render_cache_from) as source, Store(target) as copy:
            copy.put("render", source.all("render"))
    return target


_SESSION: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The fixture atlas after one real `dsatlas build` (strict), shared by every module that imports it."""
    if "built" not in _SESSION:
        root = copy_atlas(tmp_path_factory.mktemp("built") / "atlas")
        result = dsatlas(root, "build")
        assert result.returncode == 0, result.stdout + result.stderr
        _SESSION["built"] = (root, result)
    return _SESSION["built"]


@pytest.fixture
def fresh_atlas(tmp_path, built) -> Path:
    """A writable atlas for one test, with the session's diagram cache."""
    return copy_atlas(tmp_path / "atlas", render_cache_from=built[0])


class Server:
    """`dsatlas serve --port 0` in a subprocess; `lines` collects what it prints."""

    def __init__(self, root: Path, prefix: list[str] | None = None):
        self.root = root
        self.process = subprocess.Popen([*(prefix or []), DSATLAS, "serve", "--port", "0"], cwd=root, text=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        line = self.wait_for(r"serving http://127\.0\.0\.1:\d+/", 180)
        self.url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.log.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"dsatlas serve never printed {pattern!r}; it printed:\n" + "\n".join(self.log))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._reader.join(timeout=15)  # everything it printed is in `lines` now


def watched_page(context, blocked: list[str], dialogs: list[str]):
    """A new page in `context` whose non-loopback requests are refused and recorded in `blocked`, and
    whose script dialogs (alert, confirm, prompt: what injected script shows first) are dismissed and
    recorded in `dialogs`."""

    def guard(route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, for the modules that open the site in a real browser."""
    from playwright.sync_api import sync_playwright

    from dsatlas.site.render import CHROMIUM_FLAGS, find_chromium

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(find_chromium()), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(built):
    """Serve the session's built atlas (the served copy is a draft build under .dsatlas-cache/serve/)."""
    running = Server(built[0])
    yield running
    running.stop()
