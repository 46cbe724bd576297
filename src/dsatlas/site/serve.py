"""`dsatlas serve`: serve the built site on loopback, watch content/ and data/, rebuild what changed.

A change is noticed by polling file sizes and modification times (a few milliseconds for a thousand
files, and it works on every filesystem). The rebuild reloads only the changed pages, renders only
changed diagrams, and the engine renders again only the pages whose Markdown or navigation changed;
open pages long-poll `/.dsatlas/build` and reload when the build id changes. On a fresh clone the
pages are served before their diagrams are drawn: each shows a marked placeholder until Chromium has
drawn its diagram (`_Drawing`)."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from ..loader import CONTENT_DIR, DATA_DIR
from ..util import os_error_message
from .build import BuildFailed, SiteBuilder

POLL_SECONDS = 0.2
DRAW_BATCH = 16  # diagrams drawn between two looks at content/ (a few seconds of Chromium's work)
SHOW_EVERY_S = 10.0  # while drawing, how often the drawn diagrams are put into the served pages
LONG_POLL_SECONDS = 25.0
COLLECT_IDLE_S = 1.0  # after a rebuild, Python's cycle collector runs once nothing has changed for this long


class BuildState:
    """The id of the last good build; waiters wake up when it changes."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.build_id = str(time.time_ns())

    def bump(self) -> None:
        with self._condition:
            self.build_id = str(time.time_ns())
            self._condition.notify_all()

    def wait_for_change(self, seen: str, timeout: float) -> str:
        with self._condition:
            if seen and seen == self.build_id:
                self._condition.wait_for(lambda: self.build_id != seen, timeout)
            return self.build_id


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args, state: BuildState, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)

    def _url(self):
        """The request's URL, or None after answering 400 when no file could ever have that name."""
        try:
            url = urlparse(self.path)
            bad = "\x00" in unquote(url.path) or not self.path.startswith("/")
        except ValueError:  # e.g. "//[": an unclosed IPv6 bracket
            url, bad = None, True
        if bad:
            self.send_error(400, "Malformed request path")
            return None
        return url

    def do_HEAD(self) -> None:  # noqa: N802 - the http.server API
        if self._url() is not None:
            super().do_HEAD()

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = self._url()
        if url is None:
            return
        if url.path == "/.dsatlas/build":
            seen = parse_qs(url.query).get("after", [""])[0]
            body = self.state.wait_for_change(seen, LONG_POLL_SECONDS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            super().do_GET()  # folders, redirects and 404s as usual
            return
        try:
            body = path.read_bytes()  # whole, then sent: the engine may be rewriting the file meanwhile
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must show the rebuilt page
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server API
        pass  # one line per request would bury the rebuild messages


class _Server(ThreadingHTTPServer):
    """Whatever one request does wrong, the server answers the next one and prints no traceback."""

    daemon_threads = True

    def __init__(self, address, handler, echo: Callable[[str], None]):
        self.echo = echo
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        err = sys.exc_info()[1]
        if isinstance(err, ConnectionError | TimeoutError):
            return  # the browser went away mid-answer (a closed tab, a cancelled long poll)
        self.echo(f"serve: a request from {client_address[0]} failed ({type(err).__name__}: {err}); "
                  "still serving (please report it)")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every file under content/ and data/."""
    found: dict[str, tuple[int, int]] = {}
    stack = [str(root / CONTENT_DIR), str(root / DATA_DIR)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue  # editors' swap and lock files
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file():
                stat = entry.stat()
                found[entry.path] = (stat.st_mtime_ns, stat.st_size)
    return found


def run_server(builder: SiteBuilder, host: str, port: int, echo: Callable[[str], None],
               seen: dict[str, tuple[int, int]], stop: threading.Event | None = None) -> None:
    """Serve until interrupted (or `stop` is set); the first build must already have run.

    `seen` is the snapshot taken before that build, so an edit made while it ran is rebuilt at once.
    """
    state = BuildState()
    handler = partial(_Handler, directory=str(builder.options.out), state=state)
    server = _Server((host, port), handler, echo)
    thread = threading.Thread(target=server.serve_forever, name="dsatlas-serve", daemon=True)
    thread.start()
    echo(f"serving http://{host}:{server.server_port}/ — watching content/ and data/ (Ctrl+C to stop)")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():  # `kill`/`timeout` stop it cleanly too
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    drawing = _Drawing(len(builder.pending))
    collector = _IdleCollector()
    try:
        while not stop.wait(0 if builder.pending else POLL_SECONDS):
            current = snapshot(builder.options.root)
            if current != seen:
                seen = current
                if _rebuild(builder, echo):
                    state.bump()
                collector.rebuilt()
                continue
            collector.idle()
            if builder.pending and drawing.draw(builder, echo):
                if _rebuild(builder, echo):
                    state.bump()
                collector.collect()  # nobody waits on this rebuild, and Chromium is holding memory
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        collector.close()
        server.shutdown()
        server.server_close()


class _IdleCollector:
    """Python's cycle collector, run between edits instead of during them.

    A rebuild of a 900-page atlas makes enough objects to set off one to four full collections, each
    walking everything the builder keeps (every page's state and HTML): 0.1–0.4 s of an edit's rebuild
    (docs/site.md). While serving, automatic collection is off; a full collection runs once the atlas
    has been quiet for COLLECT_IDLE_S after a rebuild (and right after a background drawing rebuild), so
    memory is freed as before, but not while an author waits for a page.
    """

    def __init__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()
        self.due: float | None = None

    def rebuilt(self) -> None:
        self.due = time.monotonic() + COLLECT_IDLE_S

    def idle(self) -> None:
        if self.due is not None and time.monotonic() >= self.due:
            self.collect()

    def collect(self) -> None:
        gc.collect()
        self.due = None

    def close(self) -> None:
        if self.enabled:
            gc.enable()


class _Drawing:
    """A fresh clone's diagrams, drawn after the pages are served: a batch at a time, between looks at
    content/, and put into the served pages every SHOW_EVERY_S seconds (the pages reload by themselves)."""

    def __init__(self, total: int) -> None:
        self.total, self.drawn = total, 0
        self.shown_at = time.monotonic()

    def draw(self, builder: SiteBuilder, echo: Callable[[str], None]) -> bool:
        """Draw one batch; True when it is time to rebuild the pages with what was drawn."""
        waiting = len(builder.pending)
        try:
            left = builder.render_pending(DRAW_BATCH)
        except (BuildFailed, OSError) as err:
            echo(f"drawing the diagrams stopped: {err}; their pages keep the placeholder until the next edit")
            builder.pending = []
            return False
        self.drawn += waiting - left
        self.total = max(self.total, self.drawn + left)
        if left and time.monotonic() - self.shown_at < SHOW_EVERY_S:
            return False
        self.shown_at = time.monotonic()
        echo(f"diagrams: {self.drawn} of {self.total} drawn" + (
            f"; {left} page(s) still show a placeholder" if left else ", every page has its diagram"))
        return True


def _rebuild(builder: SiteBuilder, echo: Callable[[str], None]) -> bool:
    """Rebuild after a change; on failure say why and keep serving the last good site."""
    started = time.perf_counter()
    try:
        report = builder.rebuild()
    except BuildFailed as err:
        for finding in err.findings:
            echo(finding.human())
        for line in err.lines:
            echo(f"  {line}")
        echo(f"rebuild failed: {err}; still serving the last good build")
        return False
    except OSError as err:
        echo(f"rebuild failed: {os_error_message(err)}; still serving the last good build")
        return False
    except Exception:  # noqa: BLE001 - a bug must not stop the server an author is looking at
        echo("rebuild failed with an internal error (please report it):\n" + traceback.format_exc())
        return False
    for finding in report.problems:
        echo(f"draft: {finding.human()}")
    kind = "navigation" if report.navigation else "incremental"
    pages = [doc for doc in report.changed if doc.endswith(".md")]
    engine = report.engine_pages
    detail = f": the engine rendered {engine['rendered']} page(s), reused {engine['reused']}" if engine else ""
    echo(f"rebuilt ({kind}) {len(pages)} page(s) in {time.perf_counter() - started:.2f} s{detail}")
    return bool(report.changed)
