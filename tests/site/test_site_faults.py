# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""The site under faults: a killed, failed, disk-full or read-only build leaves the last good site whole;
a hung render ends at its deadline; a malformed request to `serve` is answered and the server goes on.
Real builds in subprocesses, real Chromium, real file systems (tmpfs mounts where root may mount)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest
from sitekit import DSATLAS, STORAGE, Server, built, dsatlas, edit, fresh_atlas  # noqa: F401

STAGING = ".site.dsatlas-build-*"


def site_digest(site: Path) -> dict[str, str]:
    """Every file of a site and its SHA-256: the whole site, not only index.html."""
    return {path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(site.rglob("*")) if path.is_file()}


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)  # polling interval, not a wait for something to happen


@pytest.fixture
def small_disk(tmp_path):
    """A real tmpfs of `size` bytes at tmp_path/disk (root only; skipped where mount is refused)."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a small file system needs root")
        point = tmp_path / "disk"
        point.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"mount refused here: {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_build_killed_mid_engine_leaves_the_last_good_site_whole(fresh_atlas):
    root = fresh_atlas
    assert dsatlas(root, "build").returncode == 0
    site = root / "site"
    before = site_digest(site)
    index_stat = (site / "index.html").stat()

    process = subprocess.Popen([DSATLAS, "build"], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def engine_is_writing() -> bool:  # into the staging folder, or (before the fix) into site/ itself
            index = site / "index.html"
            return (any(path.is_dir() and any(path.iterdir()) for path in root.glob(STAGING))
                    or not index.exists() or index.stat().st_mtime_ns != index_stat.st_mtime_ns)

        wait_until(engine_is_writing, 120, "the second build to start writing the site")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert site_digest(site) == before

    result = dsatlas(root, "build")  # the next build clears what the killed one left
    assert result.returncode == 0, result.stderr
    assert list(root.glob(STAGING)) == []
    assert site_digest(site).keys() == before.keys()


def test_a_full_disk_fails_the_build_with_one_message_and_keeps_the_site(fresh_atlas, small_disk):
    root = fresh_atlas
    disk = small_disk("7m")  # room for one site (4.6 MB), not for the new one beside it
    out = disk / "site"
    first = dsatlas(root, "build", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = site_digest(out)

    result = dsatlas(root, "build", "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "No space left on device; the disk is full: free some space and run again" in result.stderr
    assert f"{out} still holds the last good build" in result.stderr
    assert "Traceback" not in result.stderr
    assert site_digest(out) == before
    assert sorted(path.name for path in disk.iterdir()) == ["site"]  # the half-built copy is gone


def test_a_read_only_file_system_fails_the_build_with_one_message(fresh_atlas, small_disk):
    root = fresh_atlas
    disk = small_disk("20m")
    out = disk / "site"
    assert dsatlas(root, "build", "--out", str(out)).returncode == 0
    before = site_digest(out)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
    if remount.returncode != 0:
        pytest.skip(f"remount refused: {remount.stderr.strip()}")

    result = dsatlas(root, "build", "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Read-only file system; the file system is mounted read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert site_digest(out) == before


def test_the_site_honours_the_umask(fresh_atlas):
    result = subprocess.run(["sh", "-c", f"umask 027 && exec {DSATLAS} build"], cwd=fresh_atlas,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    site = fresh_atlas / "site"
    assert stat.S_IMODE(site.stat().st_mode) == 0o750
    assert stat.S_IMODE((site / "index.html").stat().st_mode) == 0o640
    tree = fresh_atlas / "build" / "site-src" / "docs" / "index.md"  # written by dsatlas, not MkDocs
    assert stat.S_IMODE(tree.stat().st_mode) == 0o640


def test_a_page_name_too_long_for_the_site_is_one_clear_error(fresh_atlas):
    """A 254-byte page file name is fine on disk; its 256-byte names in the site are not: the page's JSON
    (written first, into the generated tree) or its .html."""
    root = fresh_atlas
    raft = root / "content" / "mechanisms" / "raft"
    name = "a" * 251
    (raft / f"{name}.md").write_text((raft / "leader-election.md").read_text())
    result = dsatlas(root, "build", "--draft")  # a draft: the copy's originality finding does not stop it
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(rf"^build failed: (.* → )?{re.escape(str(root))}/(site|build/site-src/docs)/mechanisms/raft/"
                     rf"{name}\.(html|json): File name too long; a name is longer than the file system allows "
                     r"\(255 bytes per name\): shorten the file or folder name", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in root.iterdir() if path.name.startswith(".site")) == []


def test_a_render_that_runs_past_the_deadline_fails_with_one_message(fresh_atlas):
    root = fresh_atlas
    assert dsatlas(root, "build").returncode == 0
    before = site_digest(root / "site")
    # A real Chromium cannot even start in 50 ms: the deadline covers the browser start as a hang would.
    result = dsatlas(root, "build", "--no-cache", "--render-deadline", "0.05")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "build failed: the diagrams did not finish rendering within 0.05 s (0 of 20 drawn)" in result.stderr
    assert "--render-deadline" in result.stderr and "Traceback" not in result.stderr
    assert site_digest(root / "site") == before


def _exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes; the status line of the answer, the error code of an HTTP/0.9 answer (no status
    line), or b"" if the server closed without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    if answer.startswith(b"HTTP/"):
        return answer.split(b"\r\n", 1)[0]
    code = re.search(rb"Error code: (\d+)", answer)
    return b"HTTP/0.9 " + code.group(1) if code else answer


def _body(port: int, path: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[1].decode()


def test_serve_answers_malformed_requests_and_keeps_serving(fresh_atlas):
    server = Server(fresh_atlas)
    try:
        port = int(server.url.rsplit(":", 1)[1])
        answers = {
            "garbage": _exchange(port, b"\x16\x03\x01 not-http junk\r\n\r\n"),
            "nul": _exchange(port, b"GET /index.html%00.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
            "bracket": _exchange(port, b"GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n"),  # urlparse raises
            "huge header": _exchange(port, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"),
            "traversal": _exchange(port, b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            "encoded traversal": _exchange(port, b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            "head nul": _exchange(port, b"HEAD /%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
        }
        assert answers == {
            "garbage": b"HTTP/0.9 400",  # http.server answers what is not HTTP/1.x without a status line
            "nul": b"HTTP/1.0 400 Malformed request path",
            "bracket": b"HTTP/1.0 400 Malformed request path",
            "huge header": b"HTTP/1.0 431 Line too long",
            "traversal": b"HTTP/1.0 404 File not found",
            "encoded traversal": b"HTTP/1.0 404 File not found",
            "head nul": b"HTTP/1.0 400 Malformed request path",
        }
        assert _exchange(port, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n") == b"HTTP/1.0 200 OK"

        # A page that long-polls for the next build and is closed (connection reset) before it comes:
        # the answer then meets a dead socket, which is the browser's business, not the terminal's.
        build_id = _body(port, "/.dsatlas/build")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as gone:
            gone.sendall(f"GET /.dsatlas/build?after={build_id} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        edit(fresh_atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, twice.")
        server.wait_for(r"rebuilt \(incremental\) 1 page", 120)
        assert _body(port, f"/.dsatlas/build?after={build_id}") != build_id  # the waiters were woken
        assert _exchange(port, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n") == b"HTTP/1.0 200 OK"
    finally:
        server.stop()
    log = server.log + [server.lines.get_nowait() for _ in range(server.lines.qsize())]  # all of it: stopped
    noise = ("Traceback", "Exception occurred", "serve: a request from")  # the reset client is not news
    assert not [line for line in log if any(word in line for word in noise)], "\n".join(log)


def test_publishing_never_leaves_a_moment_without_the_site(tmp_path):
    """Readers polling site/index.html while sites are swapped in see the old one or the new one, never
    none: the swap is one exchange, not two renames."""
    import threading

    from dsatlas.site.build import publish_folder, staging_folder

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("0")
    stop, missing, seen = threading.Event(), [], set()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.add((site / "index.html").read_text())
            except FileNotFoundError:
                missing.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for number in range(1, 301):
            with staging_folder(site) as staged:
                (staged / "index.html").write_text(str(number))
                publish_folder(site, staged)
    finally:
        stop.set()
        reader.join()
    assert (site / "index.html").read_text() == "300" and len(seen) > 1
    assert missing == []
    assert [path.name for path in tmp_path.iterdir()] == ["site"]


def test_a_site_folder_that_is_a_symlink_stays_one(fresh_atlas, tmp_path):
    """site/ linked to a web root: each build replaces what the link points at, and the link stays."""
    web_root = tmp_path / "www" / "atlas"
    web_root.mkdir(parents=True)
    (fresh_atlas / "site").symlink_to(web_root)
    for _ in range(2):
        result = dsatlas(fresh_atlas, "build")
        assert result.returncode == 0, result.stderr
    assert (fresh_atlas / "site").is_symlink() and (fresh_atlas / "site").resolve() == web_root
    assert (web_root / "index.html").is_file()
    assert sorted(path.name for path in web_root.parent.iterdir()) == ["atlas"]


def test_an_out_path_that_is_a_file_is_refused_and_kept(fresh_atlas):
    (fresh_atlas / "notes.txt").write_text("mine\n")
    result = dsatlas(fresh_atlas, "build", "--out", "notes.txt")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"build failed: {fresh_atlas / 'notes.txt'} is not a folder: remove it or pass another --out" in (
        result.stderr)
    assert (fresh_atlas / "notes.txt").read_text() == "mine\n"
    assert [path.name for path in fresh_atlas.iterdir() if path.name.startswith(".notes")] == []


def test_serve_says_in_one_line_why_a_rebuild_could_not_write_and_recovers(fresh_atlas):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: permissions cannot be enforced")
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    server = Server(fresh_atlas, prefix=prefix)
    folder = fresh_atlas / ".dsatlas-cache" / "serve" / "site-src" / "docs" / "systems" / "acme"
    try:
        folder.chmod(0o555)
        edit(fresh_atlas / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, once.")
        line = server.wait_for(r"rebuild failed", 120)
        assert "Permission denied; permission denied: make the folder" in line
        assert line.endswith("still serving the last good build")
        folder.chmod(0o755)
        edit(fresh_atlas / STORAGE, "How Acme keeps its orders, once.", "How Acme keeps its orders, twice.")
        server.wait_for(r"rebuilt \(", 120)
    finally:
        folder.chmod(0o755)
        server.stop()
    log = server.log + [server.lines.get_nowait() for _ in range(server.lines.qsize())]  # all of it: stopped
    assert not [line for line in log if "Traceback" in line], "\n".join(log)


def test_hidden_entries_of_the_site_survive_a_build(fresh_atlas):
    """MkDocs never deleted site/.git (a gh-pages checkout) or .nojekyll; the swap must not either."""
    site = fresh_atlas / "site"
    (site / ".git").mkdir(parents=True)
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / ".nojekyll").write_text("")
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 0, result.stderr
    assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (site / ".nojekyll").is_file() and (site / "index.html").is_file()


def test_a_site_folder_that_is_a_mount_point_is_published_into(fresh_atlas, small_disk):
    """A mount point (a Docker volume at site/) cannot be renamed: its entries are swapped instead."""
    out = small_disk("50m")
    (out / "gone.html").write_text("from an older build\n")
    (out / ".nojekyll").write_text("")
    page = fresh_atlas / STORAGE
    original = page.read_text()
    for text in ("How Acme keeps its orders, first.", "How Acme keeps its orders, second."):
        page.write_text(original.replace("How Acme keeps its orders.", text))
        result = dsatlas(fresh_atlas, "build", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert text in (out / "systems" / "acme" / "storage.html").read_text()
    assert os.path.ismount(out)
    assert not (out / "gone.html").exists() and (out / ".nojekyll").is_file()
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".")) == [".nojekyll"]
